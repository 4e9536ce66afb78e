/**
 * Tracked vs platform through the real aggregator and the insights server: the comparison shows a
 * known discrepancy exactly, and the insights totals count each metric from one source only.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { status, type ServiceError } from "@grpc/grpc-js";
import {
  GetCampaignInsightsRequest,
  GetCampaignSourceComparisonRequest,
  type GetCampaignInsightsResponse,
  type GetCampaignSourceComparisonResponse,
  type MetricComparison,
} from "#gen/tally/analytics/v1/analytics.js";
import { EventType } from "#gen/tally/events/v1/events.js";
import { startHarness, type Harness } from "./harness.js";
import { eventually } from "./support.js";

let h: Harness;

const compare = (req: Partial<GetCampaignSourceComparisonRequest>, tenantId?: string): Promise<GetCampaignSourceComparisonResponse> =>
  h.unary((c) => c.getCampaignSourceComparison, GetCampaignSourceComparisonRequest.fromPartial(req), tenantId);
const insights = (req: Partial<GetCampaignInsightsRequest>): Promise<GetCampaignInsightsResponse> =>
  h.unary((c) => c.getCampaignInsights, GetCampaignInsightsRequest.fromPartial(req));
const flat = (c: MetricComparison | undefined) => [c!.tracked, c!.platform, c!.difference, c!.relativeDifference];

before(async () => {
  h = await startHarness("cmp");
  h.campaigns.add({ id: "camp-rec", currencyCode: "EUR", timeZone: "Europe/Berlin" });
  const at = (iso: string) => new Date(iso);
  const click = EventType.EVENT_TYPE_CLICK;
  const conversion = EventType.EVENT_TYPE_CONVERSION;
  await h.produce([
    // Meta on 2025-03-11 (Berlin): 8 impressions, 2 clicks, 1 conversion worth 10 EUR, 0.80 EUR tracked spend.
    ...Array.from({ length: 8 }, () => ({ campaignId: "camp-rec", platform: "meta", occurTime: at("2025-03-11T10:00:00Z"), costMicros: "100000" })),
    { campaignId: "camp-rec", platform: "meta", type: click, occurTime: at("2025-03-11T10:01:00Z") },
    { campaignId: "camp-rec", platform: "meta", type: click, occurTime: at("2025-03-11T10:02:00Z") },
    { campaignId: "camp-rec", platform: "meta", type: conversion, occurTime: at("2025-03-11T10:03:00Z"), valueMicros: "10000000" },
    // Google on 2025-03-12, tracked only.
    { campaignId: "camp-rec", platform: "google", occurTime: at("2025-03-12T09:00:00Z") },
  ]);
  await h.produceReports([
    // Meta reports the same day: 10 impressions, 3 clicks, 2 conversions, 4.50 EUR spent, 12 EUR value.
    {
      campaignId: "camp-rec",
      platform: "meta",
      region: "DE",
      date: "2025-03-11",
      impressions: "10",
      clicks: "3",
      conversions: "2",
      costMicros: "4500000",
      revenueMicros: "12000000",
    },
  ]);
  await eventually(async () => (await h.rawCount("camp-rec")) === 12, 20_000, "events applied");
  await eventually(async () => Number((await h.db.raw("SELECT count(*) AS n FROM platform_report_rows")).rows[0].n) === 1, 10_000, "report applied");
});

after(() => h?.stop());

describe("GetCampaignSourceComparison", () => {
  it("shows tracked and platform numbers per day and platform with the exact discrepancy", async () => {
    const res = await compare({ campaignId: "camp-rec", startDate: "2025-03-11", endDate: "2025-03-12" });
    assert.deepEqual([res.currencyCode, res.timeZone, res.startDate, res.endDate], ["EUR", "Europe/Berlin", "2025-03-11", "2025-03-12"]);
    assert.deepEqual(
      res.rows.map((r) => [r.date, r.platform]),
      [
        ["2025-03-11", "google"],
        ["2025-03-11", "meta"],
        ["2025-03-12", "google"],
        ["2025-03-12", "meta"],
      ],
    );
    const meta11 = res.rows[1]!;
    assert.deepEqual(flat(meta11.impressions), ["8", "10", "2", 0.25]);
    assert.deepEqual(flat(meta11.clicks), ["2", "3", "1", 0.5]);
    assert.deepEqual(flat(meta11.conversions), ["1", "2", "1", 1]);
    assert.deepEqual(flat(meta11.costMicros), ["800000", "4500000", "3700000", 4.625]);
    assert.deepEqual(flat(meta11.revenueMicros), ["10000000", "12000000", "2000000", 0.2]);
    // Tracked only: the platform reports nothing; a relative difference to a zero base is absent.
    assert.deepEqual(flat(res.rows[2]!.impressions), ["1", "0", "-1", -1]);
    assert.deepEqual(flat(res.rows[0]!.impressions), ["0", "0", "0", undefined]);
    assert.deepEqual(
      res.rangeTotals.map((r) => [r.date, r.platform, ...flat(r.impressions)]),
      [
        ["", "google", "1", "0", "-1", -1],
        ["", "meta", "8", "10", "2", 0.25],
      ],
    );
  });

  it("filters platforms", async () => {
    const res = await compare({ campaignId: "camp-rec", startDate: "2025-03-11", endDate: "2025-03-11", platforms: ["META"] });
    assert.deepEqual(
      res.rows.map((r) => [r.date, r.platform, r.impressions!.difference]),
      [["2025-03-11", "meta", "2"]],
    );
  });

  it("answers NOT_FOUND for another tenant's campaign", async () => {
    const err = await compare({ campaignId: "camp-rec" }, "tenant-2").then(
      () => null,
      (e: ServiceError) => e,
    );
    assert.equal(err?.code, status.NOT_FOUND);
  });
});

describe("GetCampaignInsights totals with both sources", () => {
  it("counts each metric from one source: delivery and spend from meta's report, outcomes from tracking, google from tracking", async () => {
    const res = await insights({ campaignId: "camp-rec", startDate: "2025-03-11", endDate: "2025-03-12" });
    const t = res.totals!;
    // impressions 10 (meta reported) + 1 (google tracked); clicks 3; conversions 1 and revenue 10 EUR tracked; spend 4.50 EUR reported.
    assert.deepEqual([t.impressions, t.clicks, t.conversions, t.revenueMicros, t.costMicros], ["11", "3", "1", "10000000", "4500000"]);
    assert.equal(t.cpaMicros, "4500000");
    assert.deepEqual(
      res.rows.map((r) => [r.bucket, r.metrics!.impressions, r.metrics!.costMicros]),
      [
        ["2025-03-11", "10", "4500000"],
        ["2025-03-12", "1", "0"],
      ],
    );
  });
});
