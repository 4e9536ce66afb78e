import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { deriveMetrics, divideRoundHalfAwayFromZero, zeroMetrics, type BaseMetrics } from "./metrics.js";

const base = (m: Partial<BaseMetrics>): BaseMetrics => ({ ...zeroMetrics(), ...m });

describe("divideRoundHalfAwayFromZero", () => {
  const cases: [bigint, bigint, bigint][] = [
    [10n, 4n, 3n], // 2.5 → 3
    [9n, 4n, 2n], // 2.25 → 2
    [11n, 4n, 3n], // 2.75 → 3
    [-10n, 4n, -3n], // -2.5 → -3 (away from zero)
    [-9n, 4n, -2n],
    [10n, -4n, -3n],
    [-10n, -4n, 3n],
    [1n, 3n, 0n],
    [2n, 3n, 1n],
    [0n, 7n, 0n],
    [7n, 7n, 1n],
  ];
  for (const [n, d, want] of cases) {
    it(`${n} / ${d} = ${want}`, () => assert.equal(divideRoundHalfAwayFromZero(n, d), want));
  }
  it("throws on a zero denominator", () => assert.throws(() => divideRoundHalfAwayFromZero(1n, 0n), RangeError));
});

describe("deriveMetrics", () => {
  it("computes every ratio from the sums", () => {
    const m = deriveMetrics(base({ impressions: 3n, clicks: 2n, conversions: 1n, costMicros: 5_000_000n, revenueMicros: 12_500_000n }));
    assert.equal(m.ctr, 2 / 3);
    assert.equal(m.conversionRate, 0.5);
    assert.equal(m.roas, 2.5);
    assert.equal(m.cpcMicros, 2_500_000n);
    assert.equal(m.cpmMicros, 1_666_666_667n); // 5e9 / 3 = 1_666_666_666.67 → rounds up
    assert.equal(m.cpaMicros, 5_000_000n);
    assert.equal(m.impressions, 3n);
  });

  it("leaves every ratio absent when all denominators are zero", () => {
    const m = deriveMetrics(zeroMetrics());
    for (const k of ["ctr", "conversionRate", "roas", "cpcMicros", "cpmMicros", "cpaMicros"] as const) {
      assert.equal(k in m, false, `${k} must be absent`);
    }
  });

  const zeroDenominators: [string, Partial<BaseMetrics>, (keyof ReturnType<typeof deriveMetrics>)[], (keyof ReturnType<typeof deriveMetrics>)[]][] = [
    [
      "no impressions",
      { clicks: 1n, conversions: 1n, costMicros: 10n, revenueMicros: 10n },
      ["ctr", "cpmMicros"],
      ["conversionRate", "cpcMicros", "cpaMicros", "roas"],
    ],
    ["no clicks", { impressions: 5n, conversions: 1n, costMicros: 10n }, ["conversionRate", "cpcMicros"], ["ctr", "cpmMicros", "cpaMicros", "roas"]],
    ["no conversions", { impressions: 5n, clicks: 2n, costMicros: 10n }, ["cpaMicros"], ["ctr", "conversionRate", "cpcMicros", "cpmMicros", "roas"]],
    [
      "no cost",
      { impressions: 5n, clicks: 2n, conversions: 1n, revenueMicros: 10n },
      ["roas"],
      ["ctr", "conversionRate", "cpcMicros", "cpmMicros", "cpaMicros"],
    ],
  ];
  for (const [name, input, absent, present] of zeroDenominators) {
    it(`${name}: ${absent.join(", ")} absent, the rest present`, () => {
      const m = deriveMetrics(base(input));
      for (const k of absent) assert.equal(m[k], undefined, `${k} must be absent`);
      for (const k of present) assert.notEqual(m[k], undefined, `${k} must be present`);
    });
  }

  it("a zero cost with clicks is a present cpc of 0", () => {
    const m = deriveMetrics(base({ impressions: 10n, clicks: 4n, conversions: 2n }));
    assert.equal(m.cpcMicros, 0n);
    assert.equal(m.cpmMicros, 0n);
    assert.equal(m.cpaMicros, 0n);
  });

  it("stays exact beyond 2^53", () => {
    const cost = 9_007_199_254_740_993n; // 2^53 + 1: not representable as a double
    const m = deriveMetrics(base({ impressions: 3n, clicks: 2n, conversions: 3n, costMicros: cost }));
    assert.equal(m.cpcMicros, 4_503_599_627_370_497n); // …496.5 rounds away from zero
    assert.equal(m.cpaMicros, 3_002_399_751_580_331n);
    assert.equal(m.cpmMicros, 3_002_399_751_580_331_000n);
    const huge = deriveMetrics(base({ impressions: 7n, costMicros: 9_223_372_036_854_775_807n })); // int64 max
    assert.equal(huge.cpmMicros, 1_317_624_576_693_539_401_000n);
  });

  it("rounds cpm half away from zero", () => {
    // cost 1 micro over 2000 impressions: 1000 / 2000 = 0.5 → 1
    assert.equal(deriveMetrics(base({ impressions: 2000n, costMicros: 1n })).cpmMicros, 1n);
    assert.equal(deriveMetrics(base({ impressions: 2001n, costMicros: 1n })).cpmMicros, 0n);
  });
});
