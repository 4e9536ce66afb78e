import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { deriveMetrics, divideRoundHalfAwayFromZero, divideRoundHalfEven, wholeConversions, zeroMetrics, type BaseMetrics } from "./metrics.js";

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

describe("divideRoundHalfEven", () => {
  const cases: [bigint, bigint, bigint][] = [
    [10n, 4n, 2n], // 2.5 → 2 (even)
    [14n, 4n, 4n], // 3.5 → 4 (even)
    [9n, 4n, 2n], // 2.25 → 2
    [11n, 4n, 3n], // 2.75 → 3
    [2n, 4n, 0n], // 0.5 → 0
    [6n, 4n, 2n], // 1.5 → 2
    [-10n, 4n, -2n], // -2.5 → -2
    [-14n, 4n, -4n], // -3.5 → -4
    [-11n, 4n, -3n],
    [10n, -4n, -2n],
    [-6n, -4n, 2n],
    [1n, 3n, 0n],
    [2n, 3n, 1n],
    [0n, 7n, 0n],
    [7n, 7n, 1n],
  ];
  for (const [n, d, want] of cases) {
    it(`${n} / ${d} = ${want}`, () => assert.equal(divideRoundHalfEven(n, d), want));
  }
  it("throws on a zero denominator", () => assert.throws(() => divideRoundHalfEven(1n, 0n), RangeError));
});

describe("wholeConversions", () => {
  const cases: [bigint, bigint][] = [
    [0n, 0n],
    [250_000n, 0n], // 0.25
    [499_999n, 0n],
    [500_000n, 0n], // 0.5 → 0 (even)
    [500_001n, 1n],
    [1_000_000n, 1n],
    [1_500_000n, 2n], // 1.5 → 2 (even)
    [2_500_000n, 2n], // 2.5 → 2 (even)
    [3_250_000n, 3n], // 2.5 + 0.5 + 0.25
    [3_500_000n, 4n],
    [12_999_999n, 13n],
    [9_223_372_036_854_775_807n, 9_223_372_036_855n], // int64 max micros
  ];
  for (const [micros, want] of cases) {
    it(`${micros} micros → ${want}`, () => assert.equal(wholeConversions(micros), want));
  }

  it("rounds the exact sum once: halves that would each round down add up to a whole", () => {
    // Two rows of 2.5 each show 2 conversions; their total shows 5, not 2 + 2.
    const row = deriveMetrics(base({ conversionsMicros: 2_500_000n }));
    const total = deriveMetrics(base({ conversionsMicros: 5_000_000n }));
    assert.deepEqual([row.conversions, total.conversions], [2n, 5n]);
  });
});

describe("deriveMetrics", () => {
  it("derives whole conversions and the conversion ratios from the exact micros", () => {
    // 2.5 + 0.5 + 0.25 platform conversions, 10 clicks, 13.00 spent.
    const m = deriveMetrics(base({ clicks: 10n, conversionsMicros: 3_250_000n, costMicros: 13_000_000n }));
    assert.equal(m.conversionsMicros, 3_250_000n);
    assert.equal(m.conversions, 3n);
    assert.equal(m.conversionRate, 0.325);
    assert.equal(m.cpaMicros, 4_000_000n); // 13 / 3.25, not 13 / 3
  });

  it("rounds cpa from fractional conversions half away from zero", () => {
    // 1.00 over 0.3 conversions = 3_333_333.3… micros → 3_333_333; 10 micros over 1.5 conversions = 6.67 → 7.
    assert.equal(deriveMetrics(base({ conversionsMicros: 300_000n, costMicros: 1_000_000n })).cpaMicros, 3_333_333n);
    assert.equal(deriveMetrics(base({ conversionsMicros: 1_500_000n, costMicros: 10n })).cpaMicros, 7n);
  });

  it("a fraction of a conversion is a present cpa and rate even when the whole count is 0", () => {
    const m = deriveMetrics(base({ clicks: 4n, conversionsMicros: 400_000n, costMicros: 2_000_000n }));
    assert.deepEqual([m.conversions, m.conversionRate, m.cpaMicros], [0n, 0.1, 5_000_000n]);
  });

  it("tracked whole conversions give the same ratio doubles as whole division", () => {
    for (const [c, k] of [
      [1n, 3n],
      [2n, 7n],
      [5n, 11n],
      [123_456n, 999_983n],
    ] as const) {
      assert.equal(deriveMetrics(base({ clicks: k, conversionsMicros: c * 1_000_000n })).conversionRate, Number(c) / Number(k));
    }
  });

  it("computes every ratio from the sums", () => {
    const m = deriveMetrics(base({ impressions: 3n, clicks: 2n, conversionsMicros: 1_000_000n, costMicros: 5_000_000n, revenueMicros: 12_500_000n }));
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
      { clicks: 1n, conversionsMicros: 1_000_000n, costMicros: 10n, revenueMicros: 10n },
      ["ctr", "cpmMicros"],
      ["conversionRate", "cpcMicros", "cpaMicros", "roas"],
    ],
    [
      "no clicks",
      { impressions: 5n, conversionsMicros: 1_000_000n, costMicros: 10n },
      ["conversionRate", "cpcMicros"],
      ["ctr", "cpmMicros", "cpaMicros", "roas"],
    ],
    ["no conversions", { impressions: 5n, clicks: 2n, costMicros: 10n }, ["cpaMicros"], ["ctr", "conversionRate", "cpcMicros", "cpmMicros", "roas"]],
    [
      "no cost",
      { impressions: 5n, clicks: 2n, conversionsMicros: 1_000_000n, revenueMicros: 10n },
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
    const m = deriveMetrics(base({ impressions: 10n, clicks: 4n, conversionsMicros: 2_000_000n }));
    assert.equal(m.cpcMicros, 0n);
    assert.equal(m.cpmMicros, 0n);
    assert.equal(m.cpaMicros, 0n);
  });

  it("stays exact beyond 2^53", () => {
    const cost = 9_007_199_254_740_993n; // 2^53 + 1: not representable as a double
    const m = deriveMetrics(base({ impressions: 3n, clicks: 2n, conversionsMicros: 3_000_000n, costMicros: cost }));
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
