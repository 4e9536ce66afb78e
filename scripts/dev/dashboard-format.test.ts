/** The dashboard's display rules that must be exact: money from int64 micros, budget pacing thresholds, counts. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { addDays, count, money, pacingState, percent, todayIn } from "../../dashboard/src/format.js";

describe("dashboard formatting", () => {
  it("shows int64 counts exactly and any int64 micros to the cent", () => {
    assert.equal(count("9007199254740993"), "9,007,199,254,740,993");
    assert.equal(money("2500000", "USD"), "$2.50");
    assert.equal(money("1234567890", "EUR"), "€1,234.57");
    // The largest int64 micros: whole units exact, the cents rounded.
    assert.equal(money("9223372036854775807", "USD"), "$9,223,372,036,854.78");
    assert.equal(count(undefined), "—");
  });

  it("uses the analytics service's pacing thresholds: 90 % approaching, 100 % exceeded, exact", () => {
    assert.equal(pacingState("89999999", "100000000"), "ON_TRACK");
    assert.equal(pacingState("90000000", "100000000"), "APPROACHING");
    assert.equal(pacingState("99999999", "100000000"), "APPROACHING");
    assert.equal(pacingState("100000000", "100000000"), "EXCEEDED");
    assert.equal(pacingState("1", "0"), undefined);
  });

  it("leaves an absent ratio absent, and does calendar arithmetic in a zone", () => {
    assert.equal(percent(undefined), "—");
    assert.equal(percent(0.4), "40.00 %");
    assert.equal(addDays("2024-03-01", -1), "2024-02-29");
    assert.equal(todayIn("Asia/Kolkata", new Date("2024-06-30T19:00:00Z")), "2024-07-01");
    assert.equal(todayIn("America/New_York", new Date("2024-07-01T03:00:00Z")), "2024-06-30");
  });
});
