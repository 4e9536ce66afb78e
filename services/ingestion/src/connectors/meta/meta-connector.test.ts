import { test } from "node:test";
import assert from "node:assert/strict";
import { FakeAccount } from "../shared/fake-platform.js";
import { createRuntime } from "../shared/platform-http.js";
import { PlatformError } from "../platform-connector.js";
import { MetaConnector } from "./meta-connector.js";
import { startMetaFake } from "./meta-fake-server.js";

const PURCHASE = "offsite_conversion.fb_pixel_purchase";

function account(campaignIds = ["120001", "120002"]) {
  return new FakeAccount({ accountId: "5550001", campaignIds, timeZone: "America/Los_Angeles", currencyCode: "USD", conversionActions: [PURCHASE] });
}

/** A runtime whose sleeps only record their length: tests do not wait. */
function testRuntime() {
  const sleeps: number[] = [];
  return { sleeps, runtime: createRuntime({ sleep: async (ms) => void sleeps.push(ms), random: () => 0 }) };
}

const request = { accountId: "5550001", externalCampaignIds: ["120001", "120002"], startDate: "2026-11-01", endDate: "2026-11-28" };

test("a 28-day report over several cursor pages, spend as exact micros, actions as conversion rows", async (t) => {
  const fake = await startMetaFake({ account: account(), accessToken: "EAAB-secret", pageSize: 10 });
  t.after(() => fake.close());
  const { runtime } = testRuntime();
  const report = await new MetaConnector({ baseUrl: fake.baseUrl }, runtime).fetchReport({ accessToken: "EAAB-secret" }, request);

  assert.equal(report.accountTimeZone, "America/Los_Angeles");
  assert.equal(report.currencyCode, "USD");
  assert.equal(fake.controls.countOf("/act_5550001/insights"), 6); // 56 campaign-days, 10 a page
  const delivery = report.rows.filter((r) => r.conversionAction === undefined);
  assert.equal(delivery.length, 56);
  const day = fake.account.day("120002", "2026-11-15");
  const row = delivery.find((r) => r.externalCampaignId === "120002" && r.date === "2026-11-15")!;
  assert.deepEqual(row, {
    externalCampaignId: "120002",
    date: "2026-11-15",
    region: "ZZ",
    currencyCode: "USD",
    impressions: day.impressions,
    clicks: day.clicks,
    costMicros: day.costMicros,
    conversionsMicros: 0n,
    revenueMicros: 0n,
  });
  const conversion = report.rows.find((r) => r.conversionAction === PURCHASE && r.externalCampaignId === "120002" && r.date === "2026-11-15")!;
  assert.equal(conversion.conversionsMicros, day.conversions[0]!.conversionsMicros);
  assert.equal(conversion.revenueMicros, day.conversions[0]!.revenueMicros);
  // link_click is an action, not a conversion: never a row.
  assert.equal(
    report.rows.some((r) => r.conversionAction === "link_click"),
    false,
  );
});

test("decimal spend '12.34' is 12,340,000 micros; absent metrics are 0; a row without campaign_id is refused", async () => {
  const body = (data: unknown[]) => JSON.stringify({ data, paging: { cursors: { before: "a", after: "b" } } });
  const answers = [
    JSON.stringify({ id: "act_1", timezone_name: "Europe/Berlin", currency: "EUR" }),
    body([{ campaign_id: "7", date_start: "2026-11-02", date_stop: "2026-11-02", spend: "12.34" }]),
  ];
  const runtime = createRuntime({ fetch: async () => new Response(answers.shift()!, { status: 200 }) });
  const report = await new MetaConnector({}, runtime).fetchReport({ accessToken: "t" }, { ...request, accountId: "1", externalCampaignIds: ["7"] });
  assert.deepEqual(report.rows, [
    {
      externalCampaignId: "7",
      date: "2026-11-02",
      region: "ZZ",
      currencyCode: "EUR",
      impressions: 0n,
      clicks: 0n,
      costMicros: 12_340_000n,
      conversionsMicros: 0n,
      revenueMicros: 0n,
    },
  ]);

  const broken = [JSON.stringify({ id: "act_1", timezone_name: "UTC", currency: "EUR" }), body([{ date_start: "2026-11-02", spend: "1" }])];
  const brokenRuntime = createRuntime({ fetch: async () => new Response(broken.shift()!, { status: 200 }) });
  await assert.rejects(
    new MetaConnector({}, brokenRuntime).fetchReport({ accessToken: "t" }, { ...request, accountId: "1", externalCampaignIds: ["7"] }),
    (e: PlatformError) => e.reason === "BAD_RESPONSE" && /campaign_id is missing/.test(e.message),
  );
});

test("throttled with code 80000 twice, then served: the report completes after two backoffs", async (t) => {
  const fake = await startMetaFake({ account: account(), accessToken: "EAAB-secret" });
  t.after(() => fake.close());
  fake.controls.throttleNext = 2;
  const { runtime, sleeps } = testRuntime();
  const report = await new MetaConnector({ baseUrl: fake.baseUrl, pageSize: 100 }, runtime).fetchReport({ accessToken: "EAAB-secret" }, request);
  assert.equal(report.rows.filter((r) => r.conversionAction === undefined).length, 56);
  assert.equal(fake.controls.countOf("/insights"), 5); // two refused, then three pages of 25
  assert.deepEqual(sleeps, [250, 500]); // equal jitter with random() = 0: half of 500 ms, then of 1 s
});

test("an expired token (code 190) fails AUTH_REQUIRED at once: Meta cannot refresh an expired token", async (t) => {
  const fake = await startMetaFake({ account: account(), accessToken: "EAAB-secret" });
  t.after(() => fake.close());
  fake.controls.expireTokens();
  const { runtime } = testRuntime();
  let refreshed = 0;
  await assert.rejects(
    new MetaConnector({ baseUrl: fake.baseUrl }, runtime).fetchReport({ accessToken: "EAAB-secret" }, request, {
      onTokenRefreshed: async () => void refreshed++,
    }),
    (e: PlatformError) => e.reason === "AUTH_REQUIRED" && /Graph API error 190/.test(e.message) && !e.message.includes("EAAB"),
  );
  assert.equal(fake.controls.requests.length, 1);
  assert.equal(refreshed, 0);
});

test("a long range runs as an async report run, polled until Job Completed", async (t) => {
  const fake = await startMetaFake({ account: account(), accessToken: "EAAB-secret" });
  t.after(() => fake.close());
  const { runtime, sleeps } = testRuntime();
  const report = await new MetaConnector({ baseUrl: fake.baseUrl, asyncAboveRows: 50, asyncPollMs: 1000 }, runtime).fetchReport(
    { accessToken: "EAAB-secret" },
    request,
  );
  assert.equal(report.rows.filter((r) => r.conversionAction === undefined).length, 56);
  assert.deepEqual(fake.controls.requests.slice(0, 4), [
    "GET /v23.0/act_5550001",
    "POST /v23.0/act_5550001/insights",
    `GET /v23.0/${fake.controls.requests[2]!.split("/")[2]}`,
    fake.controls.requests[3],
  ]);
  assert.equal(fake.controls.requests[3], fake.controls.requests[2]); // polled twice: Job Running, then Job Completed
  assert.deepEqual(sleeps, [1000]);
  assert.match(fake.controls.requests[4]!, /^GET \/v23\.0\/\d+\/insights$/);
});

test("a restated day answers new numbers on the next read", async (t) => {
  const fake = await startMetaFake({ account: account(["120001"]), accessToken: "EAAB-secret" });
  t.after(() => fake.close());
  const connector = new MetaConnector({ baseUrl: fake.baseUrl }, testRuntime().runtime);
  const one = { ...request, externalCampaignIds: ["120001"], startDate: "2026-11-10", endDate: "2026-11-10" };
  const before = (await connector.fetchReport({ accessToken: "EAAB-secret" }, one)).rows[0]!;
  fake.account.restate("2026-11-10");
  const after = (await connector.fetchReport({ accessToken: "EAAB-secret" }, one)).rows[0]!;
  assert.notEqual(after.costMicros, before.costMicros);
  assert.equal(after.costMicros, fake.account.day("120001", "2026-11-10").costMicros);
});
