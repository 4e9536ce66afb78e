import { test } from "node:test";
import assert from "node:assert/strict";
import { decimalToMicros, numberToMicros, optionalMicros, wholeCount } from "./decimal-micros.js";

test("decimal strings become micros exactly", () => {
  const table: Array<[string, bigint]> = [
    ["12.34", 12_340_000n],
    ["0", 0n],
    ["0.000001", 1n],
    ["5339.5", 5_339_500_000n],
    ["1000000000", 1_000_000_000_000_000n],
    ["007.10", 7_100_000n],
    [".5", 500_000n],
    ["3.", 3_000_000n],
    ["-2.25", -2_250_000n],
    ["1e-6", 1n],
    ["1.5E3", 1_500_000_000n],
    ["123456789.123456", 123_456_789_123_456n],
    // Beyond the sixth decimal: half to even.
    ["0.0000005", 0n],
    ["0.0000015", 2n],
    ["0.0000025", 2n],
    ["0.00000251", 3n],
    ["1e-7", 0n],
    ["0.30000000000000004", 300_000n],
    ["2.4999995", 2_499_999n + 1n],
  ];
  for (const [text, micros] of table) assert.equal(decimalToMicros(text), micros, text);
});

test("anything that is not a decimal is refused", () => {
  for (const text of ["", ".", "12,34", "NaN", "Infinity", "0x10", "1e", "1e99", "12.34 USD", "1".repeat(65)]) {
    assert.throws(() => decimalToMicros(text), RangeError, text);
  }
});

test("JSON doubles become micros through their shortest decimal, not float multiplication", () => {
  assert.equal(numberToMicros(2.5), 2_500_000n);
  assert.equal(numberToMicros(0.1), 100_000n);
  // 1.1 * 1e6 in floats is 1100000.0000000002; the decimal route is exact.
  assert.equal(numberToMicros(1.1), 1_100_000n);
  assert.equal(numberToMicros(0.1 + 0.2), 300_000n);
  assert.equal(numberToMicros(1e-7), 0n);
  assert.throws(() => numberToMicros(Number.NaN), RangeError);
});

test("absent metrics are zero; malformed ones are refused with the field named", () => {
  assert.equal(optionalMicros(undefined, "spend"), 0n);
  assert.equal(optionalMicros("", "spend"), 0n);
  assert.equal(wholeCount(undefined, "clicks"), 0n);
  assert.equal(wholeCount("42", "clicks"), 42n);
  assert.equal(wholeCount(42, "clicks"), 42n);
  assert.throws(() => wholeCount("4.2", "clicks"), /clicks is not a whole count/);
  assert.throws(() => wholeCount(-1, "clicks"), /clicks/);
  assert.throws(() => optionalMicros({}, "spend"), /spend is not a number/);
  assert.throws(() => optionalMicros("1,5", "spend"), /spend: not a decimal/);
});
