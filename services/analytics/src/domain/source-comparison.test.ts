import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compareMetric } from "./source-comparison.js";

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
