import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { enumerateBuckets } from "./buckets.js";
import { tooManyRows } from "./insights.js";
import { assembleRows, MAX_INSIGHT_ROWS, reportRowCount, totalsOf, type GroupedMetrics } from "./insights-report.js";
import { zeroMetrics } from "./metrics.js";

const group = (bucketKey: string, platform: string, impressions: bigint, clicks = 0n): GroupedMetrics => ({
  bucketKey,
  platform,
  region: "",
  source: null,
  conversionAction: null,
  metrics: { ...zeroMetrics(), impressions, clicks },
});

describe("assembleRows", () => {
  const buckets = enumerateBuckets({ startDate: "2025-01-01", endDate: "2025-01-03", timeZone: "UTC" }, "DAY");

  it("without breakdowns: exactly one row per bucket, zero-filled", () => {
    const rows = assembleRows(buckets, [group("2025-01-02", "", 5n, 1n)], []);
    assert.deepEqual(
      rows.map((r) => [r.bucket.label, r.metrics.impressions]),
      [
        ["2025-01-01", 0n],
        ["2025-01-02", 5n],
        ["2025-01-03", 0n],
      ],
    );
    assert.equal(rows[0]!.metrics.ctr, undefined);
    assert.equal(rows[1]!.metrics.ctr, 0.2);
  });

  it("with a breakdown: every bucket × every combination that has data, in bucket order", () => {
    const rows = assembleRows(buckets, [group("2025-01-03", "meta", 2n), group("2025-01-01", "google", 1n)], ["PLATFORM"]);
    assert.deepEqual(
      rows.map((r) => [r.bucket.label, r.platform, r.metrics.impressions]),
      [
        ["2025-01-01", "google", 1n],
        ["2025-01-01", "meta", 0n],
        ["2025-01-02", "google", 0n],
        ["2025-01-02", "meta", 0n],
        ["2025-01-03", "google", 0n],
        ["2025-01-03", "meta", 2n],
      ],
    );
  });

  it("with a breakdown and no data: no rows; totals are zeros", () => {
    assert.deepEqual(assembleRows(buckets, [], ["REGION"]), []);
    assert.equal(totalsOf([]).impressions, 0n);
  });

  it("totals add every group and derive ratios from the sums", () => {
    const t = totalsOf([group("2025-01-01", "a", 3n, 1n), group("2025-01-02", "b", 1n, 1n)]);
    assert.equal(t.impressions, 4n);
    assert.equal(t.ctr, 0.5);
  });
});

describe("the insights row cap", () => {
  it("counts every bucket × every combination with data, as assembleRows returns them", () => {
    const hours = enumerateBuckets({ startDate: "2025-01-01", endDate: "2025-01-31", timeZone: "UTC" }, "HOUR");
    const groups = Array.from({ length: 15 }, (_, i) => group("2025-01-01T00:00", `p${i}`, 1n));
    assert.equal(hours.length, 744);
    assert.equal(reportRowCount(hours, groups, ["PLATFORM"]), 744 * 15);
    assert.equal(reportRowCount(hours, groups, []), 744);
    assert.equal(reportRowCount(hours, groups, ["PLATFORM"]), assembleRows(hours, groups, ["PLATFORM"]).length);
  });

  it("is 10,000 rows, refused with a reason, the numbers and what to narrow", () => {
    assert.equal(MAX_INSIGHT_ROWS, 10_000);
    const err = tooManyRows(35_712, 744);
    assert.deepEqual(
      [err.code, err.reason, err.options.metadata],
      [
        "INVALID_ARGUMENT",
        "TOO_MANY_ROWS",
        { max_rows: "10000", rows: "35712", narrow_fields: "start_date,end_date,granularity,breakdowns,platforms,regions" },
      ],
    );
    assert.equal(
      err.message,
      "the report would have 35712 rows (744 buckets × 48 breakdown combinations); at most 10000 are allowed: narrow start_date/end_date, use a coarser granularity (e.g. GRANULARITY_DAY), fewer breakdowns, or filter platforms/regions",
    );
  });
});
