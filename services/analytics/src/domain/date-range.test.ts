import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Violations } from "#common/errors.js";
import { addDays, checkDates, dateProblem, daysInclusive, normalizeTimeZone, resolveDateRange, todayIn } from "./date-range.js";
import { checkInsightsInput, type InsightsInput } from "./insights-input.js";

describe("dateProblem", () => {
  // 9999-12-31 used to be accepted; the contract now bounds dates to 1970..2100 (issue 5).
  for (const good of ["2025-01-31", "2024-02-29", "1970-01-01", "2100-12-31"]) {
    it(`accepts ${good}`, () => assert.equal(dateProblem(good), null));
  }
  for (const bad of [
    "2025-02-29",
    "2025-13-01",
    "2025-04-31",
    "2025-1-5",
    "20250105",
    "2025-01-05T00:00",
    " 2025-01-05",
    "yesterday",
    "1969-12-31",
    "2101-01-01",
    "9999-12-31",
  ]) {
    it(`rejects ${JSON.stringify(bad)}`, () => assert.notEqual(dateProblem(bad), null));
  }
});

describe("normalizeTimeZone", () => {
  const cases: [string, string | null][] = [
    ["Europe/Berlin", "Europe/Berlin"],
    ["america/new_york", "America/New_York"],
    ["utc", "UTC"],
    ["Asia/Kathmandu", "Asia/Kathmandu"], // not Intl's legacy Asia/Katmandu
    ["Asia/Kolkata", "Asia/Kolkata"],
    ["Mars/Olympus_Mons", null],
    ["+05:45", null],
    ["", null],
  ];
  for (const [input, want] of cases) it(`${JSON.stringify(input)} → ${want}`, () => assert.equal(normalizeTimeZone(input), want));
});

describe("calendar helpers", () => {
  it("todayIn reads the local date", () => {
    const now = new Date("2025-01-01T20:00:00Z");
    assert.equal(todayIn("UTC", now), "2025-01-01");
    assert.equal(todayIn("Asia/Kathmandu", now), "2025-01-02");
    assert.equal(todayIn("Pacific/Marquesas", new Date("2025-01-01T09:00:00Z")), "2024-12-31");
  });
  it("addDays and daysInclusive", () => {
    assert.equal(addDays("2024-03-01", -1), "2024-02-29");
    assert.equal(addDays("2025-12-31", 1), "2026-01-01");
    assert.equal(daysInclusive("2025-03-01", "2025-03-31"), 31);
    assert.equal(daysInclusive("2025-03-09", "2025-03-09"), 1);
  });
});

describe("resolveDateRange", () => {
  const now = new Date("2025-04-20T12:00:00Z");
  it("defaults to the last 30 days including today in the report zone", () => {
    const v = new Violations();
    assert.deepEqual(resolveDateRange({ startDate: "", endDate: "" }, "Pacific/Kiritimati", "DAY", now, v), {
      startDate: "2025-03-23",
      endDate: "2025-04-21", // already tomorrow at UTC+14
      timeZone: "Pacific/Kiritimati",
    });
    assert.ok(v.empty);
  });
  it("a given end date defaults the start to 29 days before it", () => {
    const v = new Violations();
    assert.equal(resolveDateRange({ startDate: "", endDate: "2025-02-28" }, "UTC", "DAY", now, v).startDate, "2025-01-30");
  });
  it("a start after today (the default end) is a violation", () => {
    const v = new Violations();
    resolveDateRange({ startDate: "2025-05-01", endDate: "" }, "UTC", "DAY", now, v);
    assert.deepEqual(
      v.list.map((x) => x.field),
      ["start_date"],
    );
    assert.match(v.list[0]!.description, /today, 2025-04-20/);
  });
  it("a defaulted range longer than 31 days is too long for HOUR", () => {
    const v = new Violations();
    resolveDateRange({ startDate: "2025-01-01", endDate: "" }, "UTC", "HOUR", now, v);
    assert.deepEqual(
      v.list.map((x) => x.field),
      ["end_date"],
    );
  });
  it("checkDates names each malformed date", () => {
    const v = new Violations();
    assert.equal(checkDates({ startDate: "2025-02-30", endDate: "tomorrow" }, v), false);
    assert.deepEqual(
      v.list.map((x) => x.field),
      ["start_date", "end_date"],
    );
  });
});

describe("checkInsightsInput", () => {
  const input = (over: Partial<InsightsInput>): InsightsInput => ({
    campaignId: "c1",
    startDate: "",
    endDate: "",
    granularity: "UNSPECIFIED",
    platforms: [],
    regions: [],
    breakdowns: [],
    timeZone: "",
    ...over,
  });

  it("normalises a good request: DAY by default, slugs lowercased, regions uppercased, sorted, de-duplicated", () => {
    const v = new Violations();
    const c = checkInsightsInput(
      input({ platforms: ["Meta,google", "meta"], regions: ["de", "US,de"], breakdowns: ["SOURCE", "PLATFORM"], timeZone: "europe/berlin" }),
      v,
    );
    assert.ok(v.empty, JSON.stringify(v.list));
    assert.equal(c.granularity, "DAY");
    assert.deepEqual(c.platforms, ["google", "meta"]);
    assert.deepEqual(c.regions, ["DE", "US"]);
    assert.deepEqual(c.breakdowns, ["PLATFORM", "SOURCE"]);
    assert.equal(c.timeZone, "Europe/Berlin");
  });

  it("reports every bad field at once", () => {
    const v = new Violations();
    checkInsightsInput(
      input({
        campaignId: " ",
        startDate: "2025-02-30",
        endDate: "2025/03/01",
        granularity: "UNRECOGNIZED",
        platforms: ["meta", "Bad Slug!"],
        regions: ["USA"],
        breakdowns: ["PLATFORM", "UNSPECIFIED", "PLATFORM"],
        timeZone: "Nowhere/Town",
      }),
      v,
    );
    assert.deepEqual(v.list.map((x) => x.field).sort(), [
      "breakdowns[1]",
      "breakdowns[2]",
      "campaign_id",
      "end_date",
      "granularity",
      "platforms[1]",
      "regions[0]",
      "start_date",
      "time_zone",
    ]);
  });

  it("start after end, and too long ranges (400 days; 31 for HOUR)", () => {
    const order = new Violations();
    checkInsightsInput(input({ startDate: "2025-03-02", endDate: "2025-03-01" }), order);
    assert.deepEqual(
      order.list.map((x) => x.field),
      ["start_date"],
    );
    const long = new Violations();
    checkInsightsInput(input({ startDate: "2024-01-01", endDate: "2025-02-04" }), long); // 401 days
    assert.deepEqual(
      long.list.map((x) => x.field),
      ["end_date"],
    );
    const fine = new Violations();
    checkInsightsInput(input({ startDate: "2024-01-01", endDate: "2025-02-03" }), fine); // 400 days
    assert.ok(fine.empty);
    const hour = new Violations();
    checkInsightsInput(input({ startDate: "2025-01-01", endDate: "2025-02-01", granularity: "HOUR" }), hour); // 32 days
    assert.deepEqual(
      hour.list.map((x) => x.field),
      ["end_date"],
    );
  });
});
