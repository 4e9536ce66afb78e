import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { campaignsOf, foldEvents, latestReports, type PlatformReport, type TrackedEvent } from "./ad-events.js";

const event = (over: Partial<TrackedEvent>): TrackedEvent => ({
  tenantId: "t1",
  eventId: "e",
  campaignId: "c1",
  kind: "IMPRESSION",
  platform: "meta",
  region: "DE",
  occurTime: new Date("2025-01-01T10:07:00Z"),
  receiveTime: new Date("2025-01-01T10:07:01Z"),
  valueMicros: 0n,
  costMicros: 0n,
  filtered: false,
  conversionAction: "",
  ...over,
});

describe("foldEvents", () => {
  it("sums events of one 15-minute bucket and keeps other buckets apart", () => {
    const deltas = foldEvents([
      event({ kind: "IMPRESSION", costMicros: 100n }),
      event({ kind: "CLICK", occurTime: new Date("2025-01-01T10:14:59Z"), costMicros: 50n }),
      event({ kind: "CONVERSION", occurTime: new Date("2025-01-01T10:15:00Z"), valueMicros: 12_500_000n }),
    ]);
    assert.equal(deltas.length, 2);
    assert.deepEqual(
      [new Date(deltas[0]!.bucketStart).toISOString(), deltas[0]!.metrics.impressions, deltas[0]!.metrics.clicks, deltas[0]!.metrics.costMicros],
      ["2025-01-01T10:00:00.000Z", 1n, 1n, 150n],
    );
    assert.deepEqual([deltas[1]!.metrics.conversionsMicros, deltas[1]!.metrics.revenueMicros], [1_000_000n, 12_500_000n]);
  });

  it("filtered events count only in filteredEvents", () => {
    const [d] = foldEvents([event({ kind: "CLICK", filtered: true, costMicros: 99n, valueMicros: 5n })]);
    assert.deepEqual(d!.metrics, { impressions: 0n, clicks: 0n, conversionsMicros: 0n, costMicros: 0n, revenueMicros: 0n, filteredEvents: 1n });
  });

  it("keeps each conversion action's conversions and revenue on a row of its own", () => {
    const deltas = foldEvents([
      event({ kind: "CONVERSION", conversionAction: "purchase", valueMicros: 10_000_000n }),
      event({ kind: "CONVERSION", conversionAction: "purchase", valueMicros: 10_000_000n }),
      event({ kind: "CONVERSION", conversionAction: "lead" }),
      event({ kind: "IMPRESSION", costMicros: 7n }),
    ]);
    assert.deepEqual(
      deltas.map((d) => [d.conversionAction, d.metrics.impressions, d.metrics.conversionsMicros, d.metrics.revenueMicros, d.metrics.costMicros]),
      [
        ["", 1n, 0n, 0n, 7n],
        ["lead", 0n, 1_000_000n, 0n, 0n],
        ["purchase", 0n, 2_000_000n, 20_000_000n, 0n],
      ],
    );
  });

  it("keeps tenants, campaigns, platforms and regions apart", () => {
    const deltas = foldEvents([event({}), event({ tenantId: "t2" }), event({ campaignId: "c2" }), event({ platform: "google" }), event({ region: "US" })]);
    assert.equal(deltas.length, 5);
  });
});

describe("latestReports", () => {
  const report = (reportTime: string, impressions: bigint): { report: PlatformReport } => ({
    report: {
      tenantId: "t1",
      campaignId: "c1",
      platform: "meta",
      region: "DE",
      date: "2025-01-01",
      hour: null,
      timeZone: "",
      metrics: { impressions, clicks: 0n, conversions: 0n, costMicros: 0n, revenueMicros: 0n },
      conversionsMicros: 0n,
      reportTime: new Date(reportTime),
      conversionAction: "",
    },
  });
  it("keeps the latest report_time per key", () => {
    const out = latestReports([report("2025-01-02T00:00:00Z", 5n), report("2025-01-03T00:00:00Z", 7n), report("2025-01-01T00:00:00Z", 3n)]);
    assert.deepEqual(
      out.map((r) => r.report.metrics.impressions),
      [7n],
    );
  });

  it("never lets a row per conversion action replace the delivery row or another action's", () => {
    const withAction = (conversionAction: string, reportTime: string, impressions: bigint) => {
      const r = report(reportTime, impressions);
      return { report: { ...r.report, conversionAction } };
    };
    const out = latestReports([
      withAction("", "2025-01-02T00:00:00Z", 5n),
      withAction("purchase", "2025-01-03T00:00:00Z", 0n),
      withAction("lead", "2025-01-03T00:00:00Z", 1n),
    ]);
    assert.deepEqual(
      out.map((r) => [r.report.conversionAction, r.report.metrics.impressions]),
      [
        ["", 5n],
        ["lead", 1n],
        ["purchase", 0n],
      ],
    );
  });
});

describe("campaignsOf", () => {
  it("de-duplicates", () => {
    assert.equal(campaignsOf([event({}), event({}), event({ tenantId: "t2" })]).length, 2);
  });
});
