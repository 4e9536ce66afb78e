import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { applySourcePolicy, type SourcedGroup } from "./insights-report.js";
import { zeroMetrics, type BaseMetrics } from "./metrics.js";
import { chooseSources, combineSources, DEFAULT_SOURCE, type SourcedMetrics } from "./source-policy.js";

const m = (over: Partial<BaseMetrics>): BaseMetrics => ({ ...zeroMetrics(), ...over });
const tracked = (platform: string, over: Partial<BaseMetrics>): SourcedMetrics => ({ platform, source: "TRACKED", metrics: m(over) });
const reported = (platform: string, over: Partial<BaseMetrics>): SourcedMetrics => ({ platform, source: "PLATFORM", metrics: m(over) });

describe("DEFAULT_SOURCE", () => {
  it("takes delivery and spend from the platforms, outcomes from tracking", () => {
    assert.deepEqual(DEFAULT_SOURCE, {
      impressions: "PLATFORM",
      clicks: "PLATFORM",
      costMicros: "PLATFORM",
      conversionsMicros: "TRACKED",
      revenueMicros: "TRACKED",
      filteredEvents: "TRACKED",
    });
  });
});

describe("combineSources", () => {
  it("never adds the two sources of one metric: each comes from its default source", () => {
    const total = combineSources([
      tracked("meta", {
        impressions: 1000n,
        clicks: 90n,
        conversionsMicros: 7_000_000n,
        costMicros: 1_000_000n,
        revenueMicros: 70_000_000n,
        filteredEvents: 4n,
      }),
      reported("meta", { impressions: 1200n, clicks: 100n, conversionsMicros: 9_000_000n, costMicros: 25_000_000n, revenueMicros: 99_000_000n }),
    ]);
    assert.deepEqual(
      total,
      m({ impressions: 1200n, clicks: 100n, conversionsMicros: 7_000_000n, costMicros: 25_000_000n, revenueMicros: 70_000_000n, filteredEvents: 4n }),
    );
  });

  it("falls back per platform to the source that has data", () => {
    const total = combineSources([
      // direct: tracked only, so its spend is the tracked spend.
      tracked("direct", { impressions: 10n, clicks: 2n, costMicros: 300_000n }),
      // google: reported only, so its conversions are the reported ones.
      reported("google", { impressions: 500n, clicks: 50n, conversionsMicros: 5_000_000n, costMicros: 9_000_000n, revenueMicros: 40_000_000n }),
    ]);
    assert.deepEqual(total, m({ impressions: 510n, clicks: 52n, conversionsMicros: 5_000_000n, costMicros: 9_300_000n, revenueMicros: 40_000_000n }));
  });

  it("counts a platform that reported zeros as having reported", () => {
    const total = combineSources([tracked("tiktok", { impressions: 30n, costMicros: 100n }), reported("tiktok", {})]);
    assert.deepEqual(total, m({}));
  });

  it("is zero for nothing", () => assert.deepEqual(combineSources([]), zeroMetrics()));
});

describe("chooseSources", () => {
  it("chooses per platform and metric", () => {
    const choice = chooseSources([
      { platform: "meta", source: "TRACKED" },
      { platform: "meta", source: "PLATFORM" },
      { platform: "direct", source: "TRACKED" },
    ]);
    assert.equal(choice.get("meta")!.impressions, "PLATFORM");
    assert.equal(choice.get("meta")!.conversionsMicros, "TRACKED");
    assert.equal(choice.get("direct")!.impressions, "TRACKED");
    assert.equal(choice.get("direct")!.costMicros, "TRACKED");
  });
});

describe("applySourcePolicy", () => {
  const g = (bucketKey: string, s: SourcedMetrics): SourcedGroup => ({ bucketKey, region: "", conversionAction: null, ...s });
  const groups = [
    g("2025-03-11", tracked("meta", { impressions: 90n, conversionsMicros: 3_000_000n })),
    g("2025-03-11", reported("meta", { impressions: 100n, conversionsMicros: 4_000_000n, costMicros: 5n })),
    g("2025-03-12", tracked("direct", { impressions: 7n })),
  ];

  it("folds counted numbers over platform and source when not broken down by them", () => {
    const { rows, counted } = applySourcePolicy(groups, []);
    assert.deepEqual(
      rows.map((r) => [r.bucketKey, r.platform, r.source, r.metrics.impressions, r.metrics.conversionsMicros, r.metrics.costMicros]),
      [
        ["2025-03-11", "", null, 0n, 3_000_000n, 0n],
        ["2025-03-11", "", null, 100n, 0n, 5n],
        ["2025-03-12", "", null, 7n, 0n, 0n],
      ],
    );
    assert.equal(counted.length, 3);
  });

  it("keeps each source's own numbers when broken down by source", () => {
    const { rows, counted } = applySourcePolicy(groups, ["SOURCE"]);
    assert.deepEqual(
      rows.map((r) => [r.platform, r.source, r.metrics.impressions, r.metrics.conversionsMicros]),
      [
        ["", "TRACKED", 90n, 3_000_000n],
        ["", "PLATFORM", 100n, 4_000_000n],
        ["", "TRACKED", 7n, 0n],
      ],
    );
    // The totals still follow the policy.
    assert.deepEqual(
      counted.map((r) => r.metrics.impressions),
      [0n, 100n, 7n],
    );
  });

  it("keeps the platform when broken down by platform", () => {
    const { rows } = applySourcePolicy(groups, ["PLATFORM"]);
    assert.deepEqual(
      rows.map((r) => [r.platform, r.source]),
      [
        ["meta", null],
        ["meta", null],
        ["direct", null],
      ],
    );
  });
});
