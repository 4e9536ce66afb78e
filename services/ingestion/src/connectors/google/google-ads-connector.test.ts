import { test } from "node:test";
import assert from "node:assert/strict";
import { FakeAccount } from "../shared/fake-platform.js";
import { createRuntime } from "../shared/platform-http.js";
import { PlatformError, type PlatformCredentials } from "../platform-connector.js";
import { GoogleAdsConnector, googleRetryDelayMs } from "./google-ads-connector.js";
import { startGoogleAdsFake } from "./google-ads-fake-server.js";

const secrets = { refreshToken: "1//refresh-secret", clientId: "client.apps", clientSecret: "GOCSPX-secret", developerToken: "dev-secret" };
const request = { accountId: "1234567890", externalCampaignIds: ["111", "222"], startDate: "2026-11-01", endDate: "2026-11-28" };

async function fake(t: { after(fn: () => Promise<void>): void }, batchSize?: number) {
  const account = new FakeAccount({
    accountId: "1234567890",
    campaignIds: ["111", "222"],
    timeZone: "Europe/Berlin",
    currencyCode: "EUR",
    conversionActions: ["901", "902"],
    fractionalConversions: true,
  });
  const server = await startGoogleAdsFake({ account, accessToken: "ya29.valid", ...secrets, batchSize });
  t.after(() => server.close());
  return server;
}

function testRuntime() {
  const sleeps: number[] = [];
  return { sleeps, runtime: createRuntime({ sleep: async (ms) => void sleeps.push(ms), random: () => 0 }) };
}

test("delivery and fractional conversions over several stream batches, in the customer's zone", async (t) => {
  const server = await fake(t, 20);
  const report = await new GoogleAdsConnector({ baseUrl: server.baseUrl, tokenUrl: server.tokenUrl }, testRuntime().runtime).fetchReport(
    { accessToken: "ya29.valid", ...secrets },
    request,
  );
  assert.equal(report.accountTimeZone, "Europe/Berlin");
  assert.equal(report.currencyCode, "EUR");
  const delivery = report.rows.filter((r) => r.conversionAction === undefined);
  assert.equal(delivery.length, 56); // 3 batches of ≤ 20 results
  const day = server.account.day("222", "2026-11-03");
  assert.deepEqual(
    delivery.find((r) => r.externalCampaignId === "222" && r.date === "2026-11-03"),
    {
      externalCampaignId: "222",
      date: "2026-11-03",
      region: "ZZ",
      currencyCode: "EUR",
      impressions: day.impressions,
      clicks: day.clicks,
      costMicros: day.costMicros,
      conversionsMicros: 0n,
      revenueMicros: 0n,
    },
  );
  const expected = day.conversions.filter((c) => c.conversionsMicros > 0n);
  const actual = report.rows.filter((r) => r.conversionAction !== undefined && r.externalCampaignId === "222" && r.date === "2026-11-03");
  assert.deepEqual(
    actual.map((r) => [r.conversionAction, r.conversionsMicros, r.revenueMicros]),
    expected.map((c) => [`customers/1234567890/conversionActions/${c.action}`, c.conversionsMicros, c.revenueMicros]),
  );
  // Some day has half a conversion: the fake's data-driven attribution, kept exact.
  assert.ok(report.rows.some((r) => r.conversionsMicros % 1_000_000n === 500_000n));
});

test("2.5 conversions and a value of 12.34 as doubles become exact micros; absent metrics are 0", async () => {
  const answers = [
    [{ results: [{ customer: { timeZone: "America/New_York", currencyCode: "USD" } }] }],
    [{ results: [{ campaign: { id: "5" }, segments: { date: "2026-11-02" }, metrics: { costMicros: "12340000" } }] }],
    [
      {
        results: [
          {
            campaign: { id: "5" },
            segments: { date: "2026-11-02", conversionAction: "customers/1/conversionActions/7" },
            metrics: { conversions: 2.5, conversionsValue: 12.34 },
          },
        ],
      },
    ],
  ];
  const runtime = createRuntime({ fetch: async () => new Response(JSON.stringify(answers.shift()), { status: 200 }) });
  const report = await new GoogleAdsConnector({}, runtime).fetchReport(
    { accessToken: "a", developerToken: "d" },
    { ...request, accountId: "1", externalCampaignIds: ["5"] },
  );
  assert.deepEqual(report.rows, [
    {
      externalCampaignId: "5",
      date: "2026-11-02",
      region: "ZZ",
      currencyCode: "USD",
      impressions: 0n,
      clicks: 0n,
      costMicros: 12_340_000n,
      conversionsMicros: 0n,
      revenueMicros: 0n,
    },
    {
      externalCampaignId: "5",
      date: "2026-11-02",
      region: "ZZ",
      currencyCode: "USD",
      impressions: 0n,
      clicks: 0n,
      costMicros: 0n,
      conversionsMicros: 2_500_000n,
      revenueMicros: 12_340_000n,
      conversionAction: "customers/1/conversionActions/7",
    },
  ]);
});

test("RESOURCE_EXHAUSTED with retryDelay is waited out, then the report completes", async (t) => {
  const server = await fake(t);
  server.controls.throttleNext = 1;
  server.controls.throttleRetryAfterSeconds = 3;
  const { runtime, sleeps } = testRuntime();
  const report = await new GoogleAdsConnector({ baseUrl: server.baseUrl, tokenUrl: server.tokenUrl }, runtime).fetchReport(
    { accessToken: "ya29.valid", ...secrets },
    request,
  );
  assert.equal(report.rows.filter((r) => r.conversionAction === undefined).length, 56);
  assert.deepEqual(sleeps, [3000]); // the platform's retryDelay, jitter 0
  assert.equal(server.controls.countOf("searchStream"), 4);
});

test("an expired access token is refreshed once, stored through onTokenRefreshed, and the call retried", async (t) => {
  const server = await fake(t);
  server.controls.expireTokens();
  const stored: PlatformCredentials[] = [];
  const report = await new GoogleAdsConnector({ baseUrl: server.baseUrl, tokenUrl: server.tokenUrl }, testRuntime().runtime).fetchReport(
    { accessToken: "ya29.expired", ...secrets },
    request,
    {
      onTokenRefreshed: async (c) => void stored.push(c),
    },
  );
  assert.equal(report.rows.filter((r) => r.conversionAction === undefined).length, 56);
  assert.equal(server.controls.tokenRefreshes, 1);
  assert.equal(stored.length, 1);
  assert.ok(server.controls.validTokens.has(stored[0]!.accessToken!));
  assert.equal(stored[0]!.refreshToken, secrets.refreshToken);
});

test("a refresh token that is revoked fails AUTH_REQUIRED, without leaking a secret", async (t) => {
  const server = await fake(t);
  server.controls.expireTokens();
  await assert.rejects(
    new GoogleAdsConnector({ baseUrl: server.baseUrl, tokenUrl: server.tokenUrl }, testRuntime().runtime).fetchReport(
      { ...secrets, accessToken: "ya29.expired", refreshToken: "1//revoked" },
      request,
    ),
    (e: PlatformError) => e.reason === "AUTH_REQUIRED" && !/secret|revoked|ya29/.test(e.message),
  );
  assert.equal(server.controls.countOf("/token"), 1);
});

test("ids that are not digits never reach GAQL", async () => {
  const runtime = createRuntime({ fetch: async () => assert.fail("no call expected") });
  await assert.rejects(
    new GoogleAdsConnector({}, runtime).fetchReport({ accessToken: "a", developerToken: "d" }, { ...request, externalCampaignIds: ["1) OR (1=1"] }),
    (e: PlatformError) => e.reason === "REQUEST_REFUSED",
  );
});

test("retryDelay is read from every GoogleAdsFailure error", () => {
  const status = {
    details: [{ errors: [{ details: { quotaErrorDetails: { retryDelay: "2s" } } }, { details: { quotaErrorDetails: { retryDelay: "30s" } } }] }],
  };
  assert.equal(googleRetryDelayMs(status), 30_000);
  assert.equal(googleRetryDelayMs({ details: [] }), undefined);
});
