import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { calendarDateProblem, instantProblem } from "./time-bounds.js";

describe("calendarDateProblem", () => {
  const cases: [string, string | null][] = [
    ["2025-04-20", null],
    ["1970-01-01", null],
    ["2100-12-31", null],
    ["2024-02-29", null],
    ["1969-12-31", "1969-12-31 is outside 1970-01-01..2100-12-31"],
    ["2101-01-01", "2101-01-01 is outside 1970-01-01..2100-12-31"],
    ["9999-12-31", "9999-12-31 is outside 1970-01-01..2100-12-31"],
    ["0001-01-01", "0001-01-01 is outside 1970-01-01..2100-12-31"],
    ["2025-02-30", "2025-02-30 is not a real calendar date"],
    ["2025-13-01", "2025-13-01 is not a real calendar date"],
    ["2025-4-20", "is not a date in the form YYYY-MM-DD"],
    ["2025-04-20\u0000", "is not a date in the form YYYY-MM-DD"],
    ["", "is not a date in the form YYYY-MM-DD"],
  ];
  for (const [value, want] of cases) it(JSON.stringify(value), () => assert.equal(calendarDateProblem(value), want));
});

describe("instantProblem", () => {
  const range = "must lie between 1970-01-01T00:00:00Z and 2100-12-31T23:59:59.999999999Z";
  const cases: [string, Date, string | null][] = [
    ["the epoch", new Date(0), null],
    ["the last millisecond of 2100", new Date("2100-12-31T23:59:59.999Z"), null],
    ["2101", new Date("2101-01-01T00:00:00Z"), range],
    ["year 9999", new Date("9999-12-31T23:59:59.999Z"), range],
    ["year 1", new Date("0001-01-01T00:00:00Z"), range],
    ["before the epoch", new Date(-1), range],
    ["an invalid date", new Date(Number.NaN), "is not a valid timestamp"],
  ];
  for (const [name, t, want] of cases) it(name, () => assert.equal(instantProblem(t), want));
});
