import { test } from "node:test";
import assert from "node:assert/strict";
import { daysIn, lookbackRange, splitRange } from "./lookback.js";

test("the lookback window ends today in the account's zone, not in UTC", () => {
  const now = new Date("2026-03-01T02:30:00Z");
  assert.deepEqual(lookbackRange(now, "UTC"), { startDate: "2026-02-02", endDate: "2026-03-01" });
  // 02:30 UTC is still 28 February in Los Angeles.
  assert.deepEqual(lookbackRange(now, "America/Los_Angeles"), { startDate: "2026-02-01", endDate: "2026-02-28" });
  // and already 08:15 on 1 March in Kathmandu (+05:45).
  assert.deepEqual(lookbackRange(now, "Asia/Kathmandu", 1), { startDate: "2026-03-01", endDate: "2026-03-01" });
  assert.equal(daysIn(lookbackRange(now, "Europe/Berlin")), 28);
});

test("a window across a DST change still has 28 calendar days", () => {
  const range = lookbackRange(new Date("2026-04-10T12:00:00Z"), "Europe/Berlin");
  assert.deepEqual(range, { startDate: "2026-03-14", endDate: "2026-04-10" });
  assert.equal(daysIn(range), 28);
});

test("bad input is refused", () => {
  assert.throws(() => lookbackRange(new Date(), "Mars/Olympus"), /unknown time zone/);
  assert.throws(() => lookbackRange(new Date(), "UTC", 0), /lookback days/);
});

test("ranges split into platform-sized pieces", () => {
  assert.deepEqual(splitRange({ startDate: "2026-01-01", endDate: "2026-01-05" }, 2), [
    { startDate: "2026-01-01", endDate: "2026-01-02" },
    { startDate: "2026-01-03", endDate: "2026-01-04" },
    { startDate: "2026-01-05", endDate: "2026-01-05" },
  ]);
  assert.equal(splitRange({ startDate: "2026-01-01", endDate: "2026-03-31" }, 30).length, 3);
  assert.throws(() => splitRange({ startDate: "2026-01-02", endDate: "2026-01-01" }, 30), /invalid date range/);
});
