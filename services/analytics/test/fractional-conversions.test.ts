/**
 * Fractional platform conversions (issue 6, item 6) through the real aggregator and insights
 * server: Google Ads' data-driven attribution reports 2.5 + 0.5 + 0.25 conversions on one day, one
 * row per conversion action. Every answer sums them exactly in conversions_micros, shows the whole
 * count rounded half to even from that exact sum, and derives cpa and conversion rate from it.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  Dimension,
  GetCampaignInsightsRequest,
  GetCampaignSourceComparisonRequest,
  Granularity,
  ListCampaignPerformanceRequest,
  type GetCampaignInsightsResponse,
  type GetCampaignSourceComparisonResponse,
  type ListCampaignPerformanceResponse,
  type Metrics,
} from "#gen/tally/analytics/v1/analytics.js";
import { EventType } from "#gen/tally/events/v1/events.js";
import { startHarness, type Harness } from "./harness.js";
import { eventually } from "./support.js";

let h: Harness;

const insights = (campaignId: string, over: Partial<GetCampaignInsightsRequest>): Promise<GetCampaignInsightsResponse> =>
  h.unary(
    (c) => c.getCampaignInsights,
    GetCampaignInsightsRequest.fromPartial({ campaignId, startDate: "2025-03-10", endDate: "2025-03-10", granularity: Granularity.GRANULARITY_TOTAL, ...over }),
  );

/** [conversions, conversions_micros, cpa_micros, conversion_rate] */
const conv = (m: Metrics | undefined) => [m!.conversions, m!.conversionsMicros, m!.cpaMicros, m!.conversionRate];

/** Google's report of 2025-03-10 for one campaign: delivery, then one row per conversion action. */
const googleDay = (campaignId: string) => {
  const row = { campaignId, platform: "google", region: "ZZ", date: "2025-03-10", timeZone: "UTC" };
  return [
    { ...row, impressions: "1000", clicks: "10", costMicros: "13000000" },
    // As ingestion publishes fractional rows: conversions is the whole part, conversions_micros exact.
    { ...row, conversionAction: "501", conversions: "2", conversionsMicros: "2500000", revenueMicros: "25000000" },
    { ...row, conversionAction: "502", conversions: "0", conversionsMicros: "500000", revenueMicros: "5000000" },
    { ...row, conversionAction: "503", conversions: "0", conversionsMicros: "250000" },
  ];
};

before(async () => {
  h = await startHarness("fraconv");
  h.campaigns.add({ id: "c-frac", name: "Fractional", currencyCode: "EUR", timeZone: "UTC" });
  h.campaigns.add({ id: "c-both", name: "Both sources", currencyCode: "EUR", timeZone: "UTC" });
  await h.produceReports([
    ...googleDay("c-frac"),
    // The next day: 2.5 conversions alone.
    {
      campaignId: "c-frac",
      platform: "google",
      region: "ZZ",
      date: "2025-03-11",
      timeZone: "UTC",
      conversionAction: "501",
      conversions: "2",
      conversionsMicros: "2500000",
    },
    ...googleDay("c-both"),
  ]);
  // c-both: tracking counted 3 whole conversions on Google that day.
  await h.produce(
    Array.from({ length: 3 }, (_, i) => ({
      campaignId: "c-both",
      platform: "google",
      type: EventType.EVENT_TYPE_CONVERSION,
      occurTime: new Date(`2025-03-10T12:0${i}:00Z`),
    })),
  );
  await eventually(async () => Number((await h.db.raw("SELECT count(*) AS n FROM platform_report_rows")).rows[0].n) === 9, 20_000, "report rows applied");
  await eventually(async () => (await h.rawCount("c-both")) === 3, 20_000, "events applied");
});

after(() => h?.stop());

describe("fractional platform conversions", () => {
  it("insights sum them exactly: 2.5 + 0.5 + 0.25 = 3250000 micros, 3 conversions, cpa and rate from 3.25", async () => {
    const res = await insights("c-frac", {});
    // cpa 13.00 / 3.25 = 4.00 (13.00 / 3 would be 4.333333); rate 3.25 / 10 clicks.
    assert.deepEqual(conv(res.totals), ["3", "3250000", "4000000", 0.325]);
    assert.deepEqual(conv(res.rows[0]!.metrics), ["3", "3250000", "4000000", 0.325]);
  });

  it("each action's row rounds its own exact number; the totals round the exact sum, not the rows' whole counts", async () => {
    const res = await insights("c-frac", { breakdowns: [Dimension.DIMENSION_CONVERSION_ACTION] });
    assert.deepEqual(
      res.rows.map((r) => [r.conversionAction, r.metrics!.conversions, r.metrics!.conversionsMicros, r.metrics!.revenueMicros]),
      [
        ["", "0", "0", "0"],
        ["501", "2", "2500000", "25000000"], // 2.5 → 2 (half to even)
        ["502", "0", "500000", "5000000"], // 0.5 → 0 (half to even)
        ["503", "0", "250000", "0"],
      ],
    );
    assert.deepEqual([res.totals!.conversions, res.totals!.conversionsMicros, res.totals!.revenueMicros], ["3", "3250000", "30000000"]);
  });

  it("daily rows round per day; the range total rounds the exact 5.75", async () => {
    const res = await insights("c-frac", { endDate: "2025-03-11", granularity: Granularity.GRANULARITY_DAY });
    assert.deepEqual(
      res.rows.map((r) => [r.bucket, r.metrics!.conversions, r.metrics!.conversionsMicros]),
      [
        ["2025-03-10", "3", "3250000"],
        ["2025-03-11", "2", "2500000"],
      ],
    );
    // 3 + 2 shown per day, 6 over the range: rounding 5.75 once. conversions_micros adds up exactly.
    assert.deepEqual([res.totals!.conversions, res.totals!.conversionsMicros], ["6", "5750000"]);
    // No clicks and no spend on the 11th: the rate is absent (no clicks), the cpa 0 (nothing spent on 2.5 conversions).
    assert.deepEqual([res.rows[1]!.metrics!.conversionRate, res.rows[1]!.metrics!.cpaMicros], [undefined, "0"]);
  });

  it("ListCampaignPerformance sums them exactly too and orders by the exact number", async () => {
    const res = await h.unary<ListCampaignPerformanceRequest, ListCampaignPerformanceResponse>(
      (c) => c.listCampaignPerformance,
      ListCampaignPerformanceRequest.fromPartial({ startDate: "2025-03-10", endDate: "2025-03-10", orderBy: "conversions_micros desc" }),
    );
    assert.deepEqual(
      res.rows.map((r) => [r.campaignId, ...conv(r.metrics)]),
      [
        // Platform only: its 3.25 count.
        ["c-frac", "3", "3250000", "4000000", 0.325],
        // Tracked and reported: conversions from tracking (the documented default), never their sum.
        ["c-both", "3", "3000000", "4333333", 0.3],
      ],
    );
  });

  it("the source comparison shows the exact discrepancy in micros and the whole counts as each side shows them", async () => {
    const res = await h.unary<GetCampaignSourceComparisonRequest, GetCampaignSourceComparisonResponse>(
      (c) => c.getCampaignSourceComparison,
      GetCampaignSourceComparisonRequest.fromPartial({ campaignId: "c-both", startDate: "2025-03-10", endDate: "2025-03-10" }),
    );
    const row = res.rows[0]!;
    assert.deepEqual([row.date, row.platform], ["2025-03-10", "google"]);
    assert.deepEqual(row.conversionsMicros, { tracked: "3000000", platform: "3250000", difference: "250000", relativeDifference: 250_000 / 3_000_000 });
    assert.deepEqual(row.conversions, { tracked: "3", platform: "3", difference: "0", relativeDifference: 0 });
    assert.deepEqual(res.rangeTotals[0]!.conversionsMicros, row.conversionsMicros);
  });
});
