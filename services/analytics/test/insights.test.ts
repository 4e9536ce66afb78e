/**
 * The insights API on a real port, over rollups written by the real aggregator from real Kafka.
 * The campaign service is the one dependency replaced: by an in-memory CampaignLookup.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { status, type ServiceError } from "@grpc/grpc-js";
import { Dimension, GetCampaignInsightsRequest, Granularity, Source, type GetCampaignInsightsResponse } from "#gen/tally/analytics/v1/analytics.js";
import { EventType } from "#gen/tally/events/v1/events.js";
import { decodeStatusDetails } from "#common/grpc-status.js";
import { startHarness, TENANT, type Harness } from "./harness.js";
import { eventually } from "./support.js";

let h: Harness;

function call(req: Partial<GetCampaignInsightsRequest>, tenantId = TENANT): Promise<GetCampaignInsightsResponse> {
  return h.unary((c) => c.getCampaignInsights, GetCampaignInsightsRequest.fromPartial(req), tenantId);
}

async function callError(req: Partial<GetCampaignInsightsRequest>, tenantId = TENANT): Promise<ServiceError> {
  const err = await call(req, tenantId).then(
    () => null,
    (e: ServiceError) => e,
  );
  assert.ok(err, "the call should fail");
  return err;
}

before(async () => {
  h = await startHarness("ins");
  h.campaigns.add({ id: "camp-basic", currencyCode: "EUR", timeZone: "Europe/Berlin" });
  h.campaigns.add({ id: "camp-empty", currencyCode: "USD", timeZone: "America/New_York" });
  h.campaigns.add({ id: "camp-cache", currencyCode: "EUR", timeZone: "UTC" });
  h.campaigns.add({ id: "camp-dst", currencyCode: "USD", timeZone: "America/New_York" });
  h.campaigns.add({ id: "camp-mixed", currencyCode: "INR", timeZone: "Asia/Kolkata" });

  const day = (hhmm: string) => new Date(`2025-03-11T${hhmm}:00Z`);
  await h.produce([
    { campaignId: "camp-basic", occurTime: day("09:00"), platform: "meta", costMicros: "1000000" },
    { campaignId: "camp-basic", occurTime: day("09:05"), platform: "meta", costMicros: "1000000" },
    { campaignId: "camp-basic", occurTime: day("10:00"), platform: "google", costMicros: "1000000" },
    { campaignId: "camp-basic", occurTime: day("09:06"), platform: "meta", type: EventType.EVENT_TYPE_CLICK },
    { campaignId: "camp-basic", occurTime: day("10:01"), platform: "google", type: EventType.EVENT_TYPE_CLICK },
    { campaignId: "camp-basic", occurTime: day("11:00"), platform: "meta", type: EventType.EVENT_TYPE_CONVERSION, valueMicros: "12500000" },
    { campaignId: "camp-basic", occurTime: day("11:00"), platform: "meta", type: EventType.EVENT_TYPE_CLICK, filtered: true },
    // Same campaign id, other tenant: must never show up in tenant-1's numbers.
    { tenantId: "tenant-2", campaignId: "camp-basic", occurTime: day("09:00"), platform: "meta" },
    // America/New_York falls back on 2025-11-02: 05:30Z and 06:30Z are both "01:30" local.
    { campaignId: "camp-dst", occurTime: new Date("2025-11-02T05:30:00Z") },
    { campaignId: "camp-dst", occurTime: new Date("2025-11-02T06:30:00Z") },
    { campaignId: "camp-dst", occurTime: new Date("2025-11-02T06:45:00Z") },
  ]);
  // Platform report rows are dated in the campaign's zone (+05:30); tracked events are instants.
  await h.produceReports([
    { campaignId: "camp-mixed", platform: "google", date: "2025-03-11", hour: 1, impressions: "100", clicks: "10", costMicros: "5000000" },
    { campaignId: "camp-mixed", platform: "google", date: "2025-03-12", impressions: "40" },
  ]);
  await h.produce([{ campaignId: "camp-mixed", platform: "google", occurTime: new Date("2025-03-10T19:00:00Z") }]); // 00:30 on the 11th in Kolkata
  await eventually(
    async () => (await h.rawCount("camp-basic")) === 8 && (await h.rawCount("camp-dst")) === 3 && (await h.rawCount("camp-mixed")) === 1,
    20_000,
    "events applied",
  );
  await eventually(async () => Number((await h.db.raw("SELECT count(*) AS n FROM platform_report_rows")).rows[0].n) === 2, 10_000, "report rows applied");
});

after(() => h?.stop());

describe("GetCampaignInsights", () => {
  it("answers exact totals and zero-filled DAY rows", async () => {
    const res = await call({ campaignId: "camp-basic", startDate: "2025-03-10", endDate: "2025-03-12" });
    const t = res.totals!;
    assert.deepEqual([t.impressions, t.clicks, t.conversions, t.revenueMicros, t.costMicros, t.filteredEvents], ["3", "2", "1", "12500000", "3000000", "1"]);
    assert.ok(Math.abs(t.ctr! - 0.6667) < 1e-4, `ctr ${t.ctr}`);
    assert.equal(t.conversionRate, 0.5);
    assert.equal(t.cpcMicros, "1500000");
    assert.equal(t.cpmMicros, "1000000000");
    assert.equal(t.cpaMicros, "3000000");
    assert.ok(Math.abs(t.roas! - 12.5 / 3) < 1e-12);
    assert.deepEqual(
      [res.currencyCode, res.timeZone, res.startDate, res.endDate, res.granularity],
      ["EUR", "Europe/Berlin", "2025-03-10", "2025-03-12", Granularity.GRANULARITY_DAY],
    );
    assert.deepEqual(
      res.rows.map((r) => [r.bucket, r.startTime?.toISOString(), r.metrics!.impressions]),
      [
        ["2025-03-10", "2025-03-09T23:00:00.000Z", "0"],
        ["2025-03-11", "2025-03-10T23:00:00.000Z", "3"],
        ["2025-03-12", "2025-03-11T23:00:00.000Z", "0"],
      ],
    );
    assert.equal(res.rows[0]!.metrics!.ctr, undefined, "no impressions: ctr absent");
    assert.deepEqual(
      [res.rows[0]!.platform, res.rows[0]!.region, res.rows[0]!.source],
      [undefined, undefined, undefined],
      "not broken down: the breakdown fields are unset, not empty",
    );
    assert.ok(res.freshnessTime instanceof Date);
  });

  it("breaks rows down by platform", async () => {
    const res = await call({ campaignId: "camp-basic", startDate: "2025-03-11", endDate: "2025-03-12", breakdowns: [Dimension.DIMENSION_PLATFORM] });
    assert.deepEqual(
      res.rows.map((r) => [r.bucket, r.platform, r.metrics!.impressions, r.metrics!.clicks, r.metrics!.conversions]),
      [
        ["2025-03-11", "google", "1", "1", "0"],
        ["2025-03-11", "meta", "2", "1", "1"],
        ["2025-03-12", "google", "0", "0", "0"],
        ["2025-03-12", "meta", "0", "0", "0"],
      ],
    );
    const filtered = await call({
      campaignId: "camp-basic",
      startDate: "2025-03-11",
      endDate: "2025-03-11",
      platforms: ["GOOGLE"],
      breakdowns: [Dimension.DIMENSION_SOURCE],
    });
    assert.deepEqual(
      filtered.rows.map((r) => [r.source, r.metrics!.impressions]),
      [[Source.SOURCE_TRACKED, "1"]],
    );
    assert.equal(filtered.totals!.impressions, "1");
  });

  it("puts platform report rows beside tracked events, broken down by source", async () => {
    const res = await call({ campaignId: "camp-mixed", startDate: "2025-03-11", endDate: "2025-03-12", breakdowns: [Dimension.DIMENSION_SOURCE] });
    assert.deepEqual(
      res.rows.map((r) => [r.bucket, r.source, r.metrics!.impressions, r.metrics!.clicks]),
      [
        ["2025-03-11", Source.SOURCE_TRACKED, "1", "0"],
        ["2025-03-11", Source.SOURCE_PLATFORM, "100", "10"],
        ["2025-03-12", Source.SOURCE_TRACKED, "0", "0"],
        ["2025-03-12", Source.SOURCE_PLATFORM, "40", "0"],
      ],
    );
    // Totals never add the two sources: impressions, clicks and spend from the platform (140, not 141).
    assert.deepEqual([res.totals!.impressions, res.totals!.clicks, res.totals!.costMicros, res.currencyCode], ["140", "10", "5000000", "INR"]);
    const plain = await call({ campaignId: "camp-mixed", startDate: "2025-03-11", endDate: "2025-03-12" });
    assert.deepEqual(
      plain.rows.map((r) => [r.bucket, r.metrics!.impressions, r.metrics!.clicks, r.metrics!.costMicros]),
      [
        ["2025-03-11", "100", "10", "5000000"],
        ["2025-03-12", "40", "0", "0"],
      ],
    );
    assert.equal(plain.totals!.impressions, "140");
  });

  it("buckets local hours exactly on a fall-back day (America/New_York, 25 hours)", async () => {
    const res = await call({ campaignId: "camp-dst", startDate: "2025-11-02", endDate: "2025-11-02", granularity: Granularity.GRANULARITY_HOUR });
    assert.equal(res.rows.length, 25);
    const ones = res.rows.filter((r) => r.bucket === "2025-11-02T01:00");
    assert.deepEqual(
      ones.map((r) => [r.startTime!.toISOString(), r.metrics!.impressions]),
      [
        ["2025-11-02T05:00:00.000Z", "1"],
        ["2025-11-02T06:00:00.000Z", "2"],
      ],
    );
    assert.equal(res.totals!.impressions, "3");
  });

  it("rejects bad input with every bad field in BadRequest", async () => {
    const err = await callError({
      campaignId: "camp-basic",
      startDate: "2025-02-30",
      endDate: "2025/03/01",
      timeZone: "Mars/Base",
      regions: ["DEU"],
      breakdowns: [Dimension.DIMENSION_UNSPECIFIED],
    });
    assert.equal(err.code, status.INVALID_ARGUMENT);
    const details = decodeStatusDetails(err);
    assert.equal(details.reason, "INVALID_ARGUMENT");
    assert.deepEqual(details.violations.map((v) => v.field).sort(), ["breakdowns[0]", "end_date", "regions[0]", "start_date", "time_zone"]);
    const order = await callError({ campaignId: "camp-basic", startDate: "2025-03-12", endDate: "2025-03-11" });
    assert.deepEqual(
      decodeStatusDetails(order).violations.map((v) => v.field),
      ["start_date"],
    );
  });

  it("refuses dates in years 9999 and 0001, and NUL in filters, naming each field", async () => {
    const err = await callError({ campaignId: "camp-basic", startDate: "0001-01-01", endDate: "9999-12-31", regions: ["DE"] });
    assert.equal(err.code, status.INVALID_ARGUMENT);
    assert.deepEqual(decodeStatusDetails(err).violations, [
      { field: "start_date", description: "0001-01-01 is outside 1970-01-01..2100-12-31" },
      { field: "end_date", description: "9999-12-31 is outside 1970-01-01..2100-12-31" },
    ]);
    const nul = await callError({ campaignId: "camp-basic\u0000", platforms: ["meta\u0000"], timeZone: "UTC\u0000" });
    assert.equal(nul.code, status.INVALID_ARGUMENT);
    assert.deepEqual(
      decodeStatusDetails(nul).violations.map((v) => v.field),
      ["campaign_id", "platforms[0]", "time_zone"],
    );
  });

  it("answers NOT_FOUND for another tenant's campaign, and an unknown one", async () => {
    for (const [campaignId, tenant] of [
      ["camp-basic", "tenant-2"],
      ["no-such-campaign", TENANT],
    ] as const) {
      const err = await callError({ campaignId, startDate: "2025-03-11", endDate: "2025-03-11" }, tenant);
      assert.equal(err.code, status.NOT_FOUND);
      assert.equal(decodeStatusDetails(err).reason, "CAMPAIGN_NOT_FOUND");
    }
  });

  it("answers zeros, not an error, when there is no data (default range: last 30 days)", async () => {
    const res = await call({ campaignId: "camp-empty" });
    assert.equal(res.rows.length, 30);
    assert.equal(res.timeZone, "America/New_York");
    assert.deepEqual([res.totals!.impressions, res.totals!.costMicros, res.totals!.ctr], ["0", "0", undefined]);
    assert.ok(res.rows.every((r) => r.metrics!.impressions === "0"));
  });

  it("requires credentials", async () => {
    const err = await new Promise<ServiceError>((resolve) =>
      h.client.getCampaignInsights(GetCampaignInsightsRequest.fromPartial({ campaignId: "camp-basic" }), (e) => resolve(e!)),
    );
    assert.equal(err.code, status.UNAUTHENTICATED);
  });

  it("serves a cached answer until new data for the campaign arrives", async () => {
    const req = { campaignId: "camp-cache", startDate: "2025-03-11", endDate: "2025-03-11", granularity: Granularity.GRANULARITY_TOTAL };
    assert.equal((await call(req)).totals!.impressions, "0");
    const cachedKeys = await eventually(
      async () => {
        const keys = await h.redis.keys(`${h.names.redisPrefix}analytics:insights:v2:${TENANT}:camp-cache:*`);
        return keys.length > 0 ? keys : undefined;
      },
      5_000,
      "a cached answer",
    );
    assert.equal(cachedKeys.length, 1);
    assert.equal((await call(req)).totals!.impressions, "0");

    await h.produce([{ campaignId: "camp-cache", occurTime: new Date("2025-03-11T12:00:00Z") }]);
    // Only the generation bump can make this change: the cached answer lives for 300 s.
    await eventually(async () => (await call(req)).totals!.impressions === "1", 10_000, "the new impression through the cache");
  });
});
