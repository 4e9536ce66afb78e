import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { zeroMetrics } from "./metrics.js";
import { compareMetric, compareSums } from "./source-comparison.js";

describe("compareMetric", () => {
  const cases: [bigint, bigint, bigint, number | undefined][] = [
    [8n, 10n, 2n, 0.25], // the platform reports 25 % more
    [10n, 8n, -2n, -0.2],
    [0n, 5n, 5n, undefined], // no base: relative absent
    [0n, 0n, 0n, undefined],
    [7n, 0n, -7n, -1],
    [3n, 3n, 0n, 0],
    // Beyond 2^53 the difference stays exact (bigint); only the ratio is a double.
    [9_007_199_254_740_993n, 9_007_199_254_740_995n, 2n, 2 / 2 ** 53],
  ];
  for (const [tracked, platform, difference, relative] of cases) {
    it(`tracked ${tracked}, platform ${platform}`, () => {
      const c = compareMetric(tracked, platform);
      assert.equal(c.difference, difference);
      assert.equal(c.relativeDifference, relative);
      assert.equal("relativeDifference" in c, relative !== undefined);
    });
  }
});

describe("compareSums", () => {
  it("compares fractional platform conversions exactly in micros, and whole conversions as each side shows them", () => {
    // Tracking counted 3 conversions; the platform attributes 2.5 + 0.5 + 0.25 = 3.25.
    const c = compareSums({ ...zeroMetrics(), conversionsMicros: 3_000_000n }, { ...zeroMetrics(), conversionsMicros: 3_250_000n });
    assert.deepEqual(c.conversionsMicros, { tracked: 3_000_000n, platform: 3_250_000n, difference: 250_000n, relativeDifference: 250_000 / 3_000_000 });
    assert.deepEqual(c.conversions, { tracked: 3n, platform: 3n, difference: 0n, relativeDifference: 0 });
    // 4.5 rounds to 4 (half to even) beside 3: the whole difference is 1, the exact one 1.5.
    const half = compareSums({ ...zeroMetrics(), conversionsMicros: 3_000_000n }, { ...zeroMetrics(), conversionsMicros: 4_500_000n });
    assert.deepEqual([half.conversions.platform, half.conversions.difference, half.conversionsMicros.difference], [4n, 1n, 1_500_000n]);
  });
});
