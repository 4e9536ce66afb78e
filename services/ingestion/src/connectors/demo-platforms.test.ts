import { test } from "node:test";
import assert from "node:assert/strict";
import { startDemoPlatforms } from "./demo-platforms.js";
import { createPlatformConnectors } from "./platform-connectors.js";
import { datesOf, lookbackRange } from "./shared/lookback.js";
import type { PlatformSlug } from "./platform-connector.js";

test("every demo platform answers its connector with the lookback window's rows, restatements included", async (t) => {
  const demo = await startDemoPlatforms({ campaignsPerAccount: 2 });
  t.after(() => demo.close());
  const connectors = createPlatformConnectors(demo.connectorConfig);
  const range = lookbackRange(new Date("2026-12-01T12:00:00Z"), "America/New_York");
  for (const platform of ["meta", "google", "linkedin", "tiktok"] as PlatformSlug[]) {
    const { accountId, campaignIds, credentials } = demo.accounts[platform];
    const report = await connectors[platform].fetchReport(credentials, { accountId, externalCampaignIds: campaignIds, ...range });
    const delivery = report.rows.filter((r) => r.conversionAction === undefined);
    assert.equal(delivery.length, 2 * 28, platform);
    assert.equal(report.currencyCode, "USD", platform);
    const expectedZone = platform === "linkedin" ? "UTC" : "America/New_York";
    assert.equal(report.accountTimeZone, expectedZone, platform);
    assert.deepEqual([...new Set(delivery.map((r) => r.date))].sort(), datesOf(range), platform);
    const fake = demo.fakes[platform].account;
    for (const row of delivery) assert.equal(row.costMicros, fake.day(row.externalCampaignId, row.date).costMicros, platform);
  }
});
