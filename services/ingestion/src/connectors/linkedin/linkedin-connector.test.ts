import { test } from "node:test";
import assert from "node:assert/strict";
import { FakeAccount } from "../shared/fake-platform.js";
import { createRuntime } from "../shared/platform-http.js";
import { PlatformError, type PlatformCredentials } from "../platform-connector.js";
import { LinkedInConnector } from "./linkedin-connector.js";
import { startLinkedInFake } from "./linkedin-fake-server.js";

const secrets = { refreshToken: "AQ-refresh-secret", clientId: "86abc", clientSecret: "li-client-secret" };
const campaigns = ["301", "302", "303", "304", "305"];
const request = { accountId: "508001", externalCampaignIds: campaigns, startDate: "2026-11-01", endDate: "2026-11-28" };

async function fake(t: { after(fn: () => Promise<void>): void }) {
  const account = new FakeAccount({ accountId: "508001", campaignIds: campaigns, timeZone: "UTC", currencyCode: "GBP", conversionActions: ["website"] });
  const server = await startLinkedInFake({ account, accessToken: "AQ-valid", ...secrets });
  t.after(() => server.close());
  return server;
}

function testRuntime() {
  const sleeps: number[] = [];
  return { sleeps, runtime: createRuntime({ sleep: async (ms) => void sleeps.push(ms), random: () => 0 }) };
}

test("campaigns in batches (adAnalytics has no pages), decimal cost, conversions and value", async (t) => {
  const server = await fake(t);
  const connector = new LinkedInConnector({ baseUrl: server.baseUrl, tokenUrl: server.tokenUrl, campaignsPerCall: 2 }, testRuntime().runtime);
  const report = await connector.fetchReport({ accessToken: "AQ-valid", ...secrets }, request);
  assert.equal(server.controls.countOf("/rest/adAnalytics"), 3);
  assert.equal(report.rows.length, 5 * 28);
  assert.equal(report.currencyCode, "GBP");
  assert.equal(report.accountTimeZone, "UTC");
  const day = server.account.day("305", "2026-11-28");
  assert.deepEqual(
    report.rows.find((r) => r.externalCampaignId === "305" && r.date === "2026-11-28"),
    {
      externalCampaignId: "305",
      date: "2026-11-28",
      region: "ZZ",
      currencyCode: "GBP",
      impressions: day.impressions,
      clicks: day.clicks,
      costMicros: day.costMicros,
      conversionsMicros: day.conversions[0]!.conversionsMicros,
      revenueMicros: day.conversions[0]!.revenueMicros,
    },
  );
});

test("costInLocalCurrency '12.34' is 12,340,000 micros; absent metrics are 0; a foreign pivot is refused", async () => {
  const element = { costInLocalCurrency: "12.34", dateRange: { start: { year: 2026, month: 1, day: 5 } }, pivotValues: ["urn:li:sponsoredCampaign:9"] };
  const answers = [{ currency: "USD" }, { elements: [element] }];
  const runtime = createRuntime({ fetch: async () => new Response(JSON.stringify(answers.shift()), { status: 200 }) });
  const report = await new LinkedInConnector({}, runtime).fetchReport({ accessToken: "a" }, { ...request, externalCampaignIds: ["9"] });
  assert.deepEqual(report.rows, [
    {
      externalCampaignId: "9",
      date: "2026-01-05",
      region: "ZZ",
      currencyCode: "USD",
      impressions: 0n,
      clicks: 0n,
      costMicros: 12_340_000n,
      conversionsMicros: 0n,
      revenueMicros: 0n,
    },
  ]);

  const foreign = [{ currency: "USD" }, { elements: [{ ...element, pivotValues: ["urn:li:sponsoredCreative:9"] }] }];
  const foreignRuntime = createRuntime({ fetch: async () => new Response(JSON.stringify(foreign.shift()), { status: 200 }) });
  await assert.rejects(
    new LinkedInConnector({}, foreignRuntime).fetchReport({ accessToken: "a" }, { ...request, externalCampaignIds: ["9"] }),
    (e: PlatformError) => e.reason === "BAD_RESPONSE",
  );
});

test("the request is Rest.li 2.0: literal structure, encoded URNs, version headers", async () => {
  const seen: Array<{ url: string; headers: Record<string, string> }> = [];
  const answers = [{ currency: "USD" }, { elements: [] }];
  const runtime = createRuntime({
    fetch: async (url, init) => {
      seen.push({ url: String(url), headers: init!.headers as Record<string, string> });
      return new Response(JSON.stringify(answers.shift()), { status: 200 });
    },
  });
  await new LinkedInConnector({ baseUrl: "https://api.example" }, runtime).fetchReport(
    { accessToken: "a" },
    { ...request, externalCampaignIds: ["301", "302"], startDate: "2026-11-01", endDate: "2026-11-28" },
  );
  assert.equal(
    seen[1]!.url,
    "https://api.example/rest/adAnalytics?q=analytics&pivot=CAMPAIGN&timeGranularity=DAILY&dateRange=(start:(year:2026,month:11,day:1),end:(year:2026,month:11,day:28))&campaigns=List(urn%3Ali%3AsponsoredCampaign%3A301,urn%3Ali%3AsponsoredCampaign%3A302)&fields=impressions,clicks,costInLocalCurrency,externalWebsiteConversions,conversionValueInLocalCurrency,dateRange,pivotValues",
  );
  assert.equal(seen[1]!.headers["linkedin-version"], "202510");
  assert.equal(seen[1]!.headers["x-restli-protocol-version"], "2.0.0");
});

test("429 then success: backoff, no error", async (t) => {
  const server = await fake(t);
  server.controls.throttleNext = 1;
  const { runtime, sleeps } = testRuntime();
  const report = await new LinkedInConnector({ baseUrl: server.baseUrl, tokenUrl: server.tokenUrl }, runtime).fetchReport(
    { accessToken: "AQ-valid", ...secrets },
    request,
  );
  assert.equal(report.rows.length, 140);
  assert.deepEqual(sleeps, [250]);
});

test("an expired token is refreshed once and the call retried; a second 401 fails AUTH_REQUIRED", async (t) => {
  const server = await fake(t);
  server.controls.expireTokens();
  const stored: PlatformCredentials[] = [];
  const connector = new LinkedInConnector({ baseUrl: server.baseUrl, tokenUrl: server.tokenUrl }, testRuntime().runtime);
  const report = await connector.fetchReport({ accessToken: "AQ-expired", ...secrets }, request, { onTokenRefreshed: async (c) => void stored.push(c) });
  assert.equal(report.rows.length, 140);
  assert.equal(server.controls.tokenRefreshes, 1);
  assert.equal(stored.length, 1);

  // A refresh that yields a token the API still refuses: refreshed once, then AUTH_REQUIRED.
  const refused = createRuntime({
    sleep: async () => undefined,
    fetch: async (url) =>
      String(url).includes("accessToken")
        ? new Response(JSON.stringify({ access_token: "new" }), { status: 200 })
        : new Response(JSON.stringify({ status: 401, code: "REVOKED_ACCESS_TOKEN", message: "revoked" }), { status: 401 }),
  });
  let refreshes = 0;
  await assert.rejects(
    new LinkedInConnector({}, refused).fetchReport({ accessToken: "AQ-expired", ...secrets }, request, { onTokenRefreshed: async () => void refreshes++ }),
    (e: PlatformError) => e.reason === "AUTH_REQUIRED",
  );
  assert.equal(refreshes, 1);
});
