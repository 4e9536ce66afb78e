import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { budgetPacing, reachedThresholds } from "./budget-pacing.js";

describe("reachedThresholds", () => {
  const budget = 10_000_000n;
  const cases: [bigint, string[]][] = [
    [0n, []],
    [8_999_999n, []], // 89.99999 %
    [9_000_000n, ["APPROACHING"]], // exactly 90 %
    [9_999_999n, ["APPROACHING"]],
    [10_000_000n, ["APPROACHING", "EXCEEDED"]], // exactly 100 %
    [25_000_000n, ["APPROACHING", "EXCEEDED"]],
  ];
  for (const [spend, want] of cases) it(`spend ${spend} of ${budget}`, () => assert.deepEqual(reachedThresholds(spend, budget), want));
  it("is exact where a double is not: 90 % of an odd budget beyond 2^53", () => {
    const big = 2n ** 60n + 1n; // 90 % is not a whole number of micros
    const ninety = (big * 9n) / 10n; // rounded down: just below 90 %
    assert.deepEqual(reachedThresholds(ninety, big), []);
    assert.deepEqual(reachedThresholds(ninety + 1n, big), ["APPROACHING"]);
  });
  it("paces nothing without a budget", () => assert.deepEqual(reachedThresholds(5n, 0n), []));
});

describe("budgetPacing", () => {
  it("states the highest threshold reached and the utilisation", () => {
    assert.deepEqual(budgetPacing(4_500_000n, 10_000_000n), { spendMicros: 4_500_000n, budgetMicros: 10_000_000n, utilization: 0.45, state: "ON_TRACK" });
    assert.equal(budgetPacing(9_500_000n, 10_000_000n).state, "APPROACHING");
    assert.equal(budgetPacing(12_000_000n, 10_000_000n).state, "EXCEEDED");
    assert.equal(budgetPacing(12_000_000n, 10_000_000n).utilization, 1.2);
    assert.equal(budgetPacing(1n, 0n).utilization, undefined);
  });
});
