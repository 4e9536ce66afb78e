import { test } from "node:test";
import assert from "node:assert/strict";
import { FakeAccount } from "../shared/fake-platform.js";
import { createRuntime } from "../shared/platform-http.js";
import { PlatformError } from "../platform-connector.js";
import { TikTokConnector } from "./tiktok-connector.js";
import { startTikTokFake } from "./tiktok-fake-server.js";

const request = { accountId: "7000001", externalCampaignIds: ["1801", "1802"], startDate: "2026-10-02", endDate: "2026-11-28" };

async function fake(t: { after(fn: () => Promise<void>): void }, maxPageSize = 1000) {
  const account = new FakeAccount({
    accountId: "7000001",
    campaignIds: ["1801", "1802"],
    timeZone: "Asia/Tokyo",
    currencyCode: "JPY",
    conversionActions: ["conversion"],
  });
  const server = await startTikTokFake({ account, accessToken: "tt-secret", maxPageSize });
  t.after(() => server.close());
  return server;
}

function testRuntime() {
  const sleeps: number[] = [];
  return { sleeps, runtime: createRuntime({ sleep: async (ms) => void sleeps.push(ms), random: () => 0 }) };
}

test("58 days split into 30-day reports, each paged, in the advertiser's zone", async (t) => {
  const server = await fake(t, 25);
  const report = await new TikTokConnector({ baseUrl: server.baseUrl }, testRuntime().runtime).fetchReport({ accessToken: "tt-secret" }, request);
  assert.equal(report.accountTimeZone, "Asia/Tokyo");
  assert.equal(report.currencyCode, "JPY");
  assert.equal(report.rows.length, 2 * 58);
  // 30 days × 2 = 60 rows → 3 pages; 28 days × 2 = 56 rows → 3 pages.
  assert.equal(server.controls.countOf("/report/integrated/get/"), 6);
  const day = server.account.day("1802", "2026-11-01");
  assert.deepEqual(
    report.rows.find((r) => r.externalCampaignId === "1802" && r.date === "2026-11-01"),
    {
      externalCampaignId: "1802",
      date: "2026-11-01",
      region: "ZZ",
      currencyCode: "JPY",
      impressions: day.impressions,
      clicks: day.clicks,
      costMicros: day.costMicros,
      conversionsMicros: day.conversions[0]!.conversionsMicros,
      revenueMicros: day.conversions[0]!.revenueMicros,
    },
  );
  assert.equal(new Set(report.rows.map((r) => `${r.externalCampaignId}/${r.date}`)).size, 116);
});

test("spend '12.34' is 12,340,000 micros; absent metrics are 0; a row without campaign_id is refused", async () => {
  const ok = (data: unknown) => JSON.stringify({ code: 0, message: "OK", request_id: "r", data });
  const info = ok({ list: [{ advertiser_id: "1", timezone: "UTC", currency: "USD" }] });
  const rows = (item: unknown) => ok({ list: [item], page_info: { page: 1, page_size: 1000, total_number: 1, total_page: 1 } });
  const answers = [info, rows({ dimensions: { campaign_id: "9", stat_time_day: "2026-11-02 00:00:00" }, metrics: { spend: "12.34" } })];
  const runtime = createRuntime({ fetch: async () => new Response(answers.shift(), { status: 200 }) });
  const report = await new TikTokConnector({}, runtime).fetchReport(
    { accessToken: "a" },
    { ...request, accountId: "1", externalCampaignIds: ["9"], startDate: "2026-11-02", endDate: "2026-11-02" },
  );
  assert.deepEqual(report.rows, [
    {
      externalCampaignId: "9",
      date: "2026-11-02",
      region: "ZZ",
      currencyCode: "USD",
      impressions: 0n,
      clicks: 0n,
      costMicros: 12_340_000n,
      conversionsMicros: 0n,
      revenueMicros: 0n,
    },
  ]);

  const broken = [info, rows({ dimensions: { stat_time_day: "2026-11-02 00:00:00" }, metrics: { spend: "1" } })];
  const brokenRuntime = createRuntime({ fetch: async () => new Response(broken.shift(), { status: 200 }) });
  await assert.rejects(
    new TikTokConnector({}, brokenRuntime).fetchReport({ accessToken: "a" }, { ...request, accountId: "1", externalCampaignIds: ["9"] }),
    (e: PlatformError) => e.reason === "BAD_RESPONSE" && /campaign_id is missing/.test(e.message),
  );
});

test("code 40100 (throttled) then success: backoff and the report completes", async (t) => {
  const server = await fake(t);
  server.controls.throttleNext = 2;
  const { runtime, sleeps } = testRuntime();
  const report = await new TikTokConnector({ baseUrl: server.baseUrl }, runtime).fetchReport({ accessToken: "tt-secret" }, request);
  assert.equal(report.rows.length, 116);
  assert.deepEqual(sleeps, [250, 500]);
});

test("a revoked token (40105) fails AUTH_REQUIRED after one call: TikTok advertiser tokens cannot be refreshed", async (t) => {
  const server = await fake(t);
  server.controls.expireTokens();
  await assert.rejects(
    new TikTokConnector({ baseUrl: server.baseUrl }, testRuntime().runtime).fetchReport({ accessToken: "tt-secret" }, request),
    (e: PlatformError) => e.reason === "AUTH_REQUIRED" && /40105/.test(e.message) && !e.message.includes("tt-secret"),
  );
  assert.equal(server.controls.requests.length, 1);
});

test("a restated day answers new numbers on the next sync", async (t) => {
  const server = await fake(t);
  const connector = new TikTokConnector({ baseUrl: server.baseUrl }, testRuntime().runtime);
  const one = { ...request, startDate: "2026-11-20", endDate: "2026-11-20" };
  const before = (await connector.fetchReport({ accessToken: "tt-secret" }, one)).rows[0]!;
  server.account.restate("2026-11-20");
  const after = (await connector.fetchReport({ accessToken: "tt-secret" }, one)).rows[0]!;
  assert.notEqual(after.costMicros, before.costMicros);
  assert.equal(after.costMicros, server.account.day(after.externalCampaignId, "2026-11-20").costMicros);
});
