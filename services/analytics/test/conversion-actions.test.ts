/**
 * Conversion actions (issue 6, item 9): tracked conversions and platform report rows carry an
 * action; insights split conversions and revenue by it, a report row per action is a snapshot of
 * its own, and re-aggregation rebuilds the split.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  Dimension,
  GetCampaignInsightsRequest,
  Granularity,
  ReaggregateCampaignRequest,
  Source,
  type GetCampaignInsightsResponse,
  type ReaggregateCampaignResponse,
} from "#gen/tally/analytics/v1/analytics.js";
import { EventType } from "#gen/tally/events/v1/events.js";
import { startHarness, TENANT, type Harness } from "./harness.js";
import { eventually } from "./support.js";

let h: Harness;

const byAction = (campaignId: string, breakdowns = [Dimension.DIMENSION_CONVERSION_ACTION]): Promise<GetCampaignInsightsResponse> =>
  h.unary(
    (c) => c.getCampaignInsights,
    GetCampaignInsightsRequest.fromPartial({
      campaignId,
      startDate: "2025-03-01",
      endDate: "2025-03-31",
      granularity: Granularity.GRANULARITY_TOTAL,
      breakdowns,
      timeZone: "UTC",
    }),
  );

/** [action, impressions, conversions, revenue, cost] per row. */
const table = (res: GetCampaignInsightsResponse) =>
  res.rows.map((r) => [r.conversionAction, r.metrics!.impressions, r.metrics!.conversions, r.metrics!.revenueMicros, r.metrics!.costMicros]);

const at = (iso: string) => new Date(iso);
const conversion = (conversionAction: string, valueMicros: string, occurTime: string) => ({
  campaignId: "c-act",
  type: EventType.EVENT_TYPE_CONVERSION,
  conversionAction,
  valueMicros,
  occurTime: at(occurTime),
});

before(async () => {
  h = await startHarness("convact");
  h.campaigns.add({ id: "c-act", currencyCode: "EUR", timeZone: "UTC" });
  h.campaigns.add({ id: "c-rep", currencyCode: "EUR", timeZone: "UTC" });
  await h.produce([
    conversion("purchase", "10000000", "2025-03-10T10:00:00Z"),
    conversion("purchase", "10000000", "2025-03-10T10:05:00Z"),
    conversion("lead", "0", "2025-03-10T10:06:00Z"),
    { campaignId: "c-act", type: EventType.EVENT_TYPE_IMPRESSION, costMicros: "1500", occurTime: at("2025-03-10T10:01:00Z") },
    { campaignId: "c-act", type: EventType.EVENT_TYPE_CLICK, costMicros: "500", occurTime: at("2025-03-10T10:02:00Z") },
  ]);
  await eventually(async () => (await h.rawCount("c-act")) === 5, 20_000, "events applied");
});

after(() => h?.stop());

describe("conversion actions", () => {
  it("insights split conversions and revenue by action; delivery and cost stay on the row without one", async () => {
    const res = await byAction("c-act");
    assert.deepEqual(table(res), [
      ["", "1", "0", "0", "2000"],
      ["lead", "0", "1", "0", "0"],
      ["purchase", "0", "2", "20000000", "0"],
    ]);
    assert.deepEqual([res.totals!.conversions, res.totals!.revenueMicros, res.totals!.clicks], ["3", "20000000", "1"]);
    // Without the breakdown, rows carry no conversion_action at all.
    const plain = await byAction("c-act", []);
    assert.deepEqual(
      plain.rows.map((r) => [r.conversionAction, r.metrics!.conversions]),
      [[undefined, "3"]],
    );
  });

  it("re-aggregation rebuilds the split: nothing to change, then a lost action row restored", async () => {
    const reaggregate = (): Promise<ReaggregateCampaignResponse> =>
      h.unary(
        (c) => c.reaggregateCampaign,
        ReaggregateCampaignRequest.fromPartial({ campaignId: "c-act", startDate: "2025-03-01", endDate: "2025-03-31" }),
        TENANT,
        "EDITOR",
      );
    assert.equal((await reaggregate()).changedBuckets, "0");
    await h.db.raw("DELETE FROM rollups WHERE campaign_id = 'c-act' AND conversion_action = 'purchase'");
    const res = await reaggregate();
    assert.equal(res.changedBuckets, "1");
    assert.deepEqual([res.before!.conversions, res.after!.conversions, res.after!.revenueMicros], ["1", "3", "20000000"]);
    assert.deepEqual(table(await byAction("c-act")), [
      ["", "1", "0", "0", "2000"],
      ["lead", "0", "1", "0", "0"],
      ["purchase", "0", "2", "20000000", "0"],
    ]);
  });

  it("a report row per action replaces only that action's row, never the delivery row", async () => {
    const row = { campaignId: "c-rep", platform: "meta", region: "US", date: "2025-03-12", timeZone: "UTC" };
    const t1 = at("2025-03-13T00:00:00Z");
    const t2 = at("2025-03-14T00:00:00Z");
    await h.produceReports([
      { ...row, impressions: "1000", clicks: "40", costMicros: "5000000", reportTime: t1 },
      { ...row, conversionAction: "purchase", conversions: "2", conversionsMicros: "2000000", revenueMicros: "30000000", reportTime: t1 },
      { ...row, conversionAction: "lead", conversions: "4", conversionsMicros: "4000000", reportTime: t1 },
    ]);
    // The platform restates the purchases of that day only.
    await h.produceReports([
      { ...row, conversionAction: "purchase", conversions: "3", conversionsMicros: "3000000", revenueMicros: "45000000", reportTime: t2 },
    ]);
    const stored = async () =>
      (await h.db.raw("SELECT conversion_action, conversions::text FROM platform_report_rows WHERE campaign_id = 'c-rep' ORDER BY conversion_action")).rows;
    await eventually(
      async () =>
        JSON.stringify(await stored()) ===
        JSON.stringify([
          { conversion_action: "", conversions: "0" },
          { conversion_action: "lead", conversions: "4" },
          { conversion_action: "purchase", conversions: "3" },
        ]),
      20_000,
      "report rows applied",
    );

    const res = await byAction("c-rep", [Dimension.DIMENSION_SOURCE, Dimension.DIMENSION_CONVERSION_ACTION]);
    assert.deepEqual(
      res.rows.map((r) => [Source[r.source!], ...table({ ...res, rows: [r] })[0]!]),
      [
        ["SOURCE_PLATFORM", "", "1000", "0", "0", "5000000"],
        ["SOURCE_PLATFORM", "lead", "0", "4", "0", "0"],
        ["SOURCE_PLATFORM", "purchase", "0", "3", "45000000", "0"],
      ],
    );
    assert.deepEqual(
      [res.totals!.impressions, res.totals!.conversions, res.totals!.revenueMicros, res.totals!.costMicros],
      ["1000", "7", "45000000", "5000000"],
    );
  });
});
