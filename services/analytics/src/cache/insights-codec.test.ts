import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { enumerateBuckets } from "../domain/buckets.js";
import { assembleRows, totalsOf, type InsightsReport } from "../domain/insights-report.js";
import { zeroMetrics } from "../domain/metrics.js";
import { decodeReport, encodeReport } from "./insights-codec.js";

describe("insights codec", () => {
  it("round-trips a report exactly: bigints beyond 2^53, absent ratios, instants, TOTAL without instants", () => {
    const groups = [
      {
        bucketKey: "2025-01-02",
        platform: "meta",
        region: "",
        source: null,
        conversionAction: null,
        metrics: { ...zeroMetrics(), impressions: 3n, clicks: 1n, conversionsMicros: 2_500_000n, costMicros: 9_007_199_254_740_993n },
      },
    ];
    for (const granularity of ["DAY", "TOTAL"] as const) {
      const buckets = enumerateBuckets({ startDate: "2025-01-01", endDate: "2025-01-02", timeZone: "Asia/Kathmandu" }, granularity);
      const report: InsightsReport = {
        campaignId: "c1",
        currencyCode: "EUR",
        timeZone: "Asia/Kathmandu",
        startDate: "2025-01-01",
        endDate: "2025-01-02",
        granularity,
        totals: totalsOf(groups),
        rows: assembleRows(buckets, granularity === "TOTAL" ? groups.map((g) => ({ ...g, bucketKey: "total" })) : groups, ["PLATFORM"]),
        dataFreshness: new Date("2025-01-03T04:05:06.789Z"),
      };
      assert.deepEqual(decodeReport(encodeReport(report)), report);
    }
  });
});
