import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { enumerateBuckets } from "../domain/buckets.js";
import { assembleRows, totalsOf, type InsightsReport } from "../domain/insights-report.js";
import { zeroMetrics } from "../domain/metrics.js";
import { ifNoneMatchHits, insightsEtag } from "./insights-etag.js";

function report(impressions: bigint, freshness = "2025-01-03T04:05:06.789Z"): InsightsReport {
  const groups = [{ bucketKey: "2025-01-02", platform: "meta", region: "", source: null, conversionAction: null, metrics: { ...zeroMetrics(), impressions } }];
  const range = { startDate: "2025-01-01", endDate: "2025-01-02", timeZone: "UTC" };
  return {
    campaignId: "c1",
    currencyCode: "EUR",
    ...range,
    granularity: "DAY",
    totals: totalsOf(groups),
    rows: assembleRows(enumerateBuckets(range, "DAY"), groups, []),
    dataFreshness: new Date(freshness),
  };
}

describe("insights ETag", () => {
  it("is the same for the same answer and tenant, and differs with the numbers, the freshness time or the tenant", () => {
    const tag = insightsEtag("t1", report(3n));
    assert.match(tag, /^"[\w-]{32}"$/);
    assert.equal(insightsEtag("t1", report(3n)), tag);
    assert.notEqual(insightsEtag("t1", report(4n)), tag);
    assert.notEqual(insightsEtag("t1", report(3n, "2025-01-03T04:05:07.000Z")), tag);
    assert.notEqual(insightsEtag("t2", report(3n)), tag);
  });

  it("If-None-Match: a list, weak comparison and * match; anything else does not", () => {
    const tag = '"abc"';
    for (const h of ['"abc"', 'W/"abc"', '"x", "abc"', ' "x" ,W/"abc" ', "*"]) assert.equal(ifNoneMatchHits(h, tag), true, h);
    for (const h of [undefined, "", '"abcd"', "abc", '"ABC"', '"x"']) assert.equal(ifNoneMatchHits(h, tag), false, String(h));
  });
});
