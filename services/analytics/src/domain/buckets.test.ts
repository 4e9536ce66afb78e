import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { bucketKey, enumerateBuckets, rangeToUtc, rollupBucketStart, type Bucket, type Granularity } from "./buckets.js";

const iso = (d: Date | undefined) => d?.toISOString().replace(".000Z", "Z");
const spans = (buckets: Bucket[]) => buckets.map((b) => [b.label, iso(b.interval?.start), iso(b.interval?.end)]);
const hours = (b: Bucket) => (b.interval!.end.getTime() - b.interval!.start.getTime()) / 3_600_000;

describe("rollupBucketStart", () => {
  it("floors to 15 UTC minutes", () => {
    assert.equal(iso(new Date(rollupBucketStart(Date.parse("2025-03-09T06:44:59.999Z")))), "2025-03-09T06:30:00Z");
    assert.equal(iso(new Date(rollupBucketStart(Date.parse("2025-03-09T06:45:00Z")))), "2025-03-09T06:45:00Z");
  });
});

describe("rangeToUtc", () => {
  const cases: [string, string, string, string, string][] = [
    ["UTC", "2025-01-01", "2025-01-01", "2025-01-01T00:00:00Z", "2025-01-02T00:00:00Z"],
    ["Asia/Kathmandu", "2025-01-01", "2025-01-01", "2024-12-31T18:15:00Z", "2025-01-01T18:15:00Z"], // +05:45
    ["Asia/Kolkata", "2025-01-01", "2025-01-02", "2024-12-31T18:30:00Z", "2025-01-02T18:30:00Z"], // +05:30
    ["Pacific/Marquesas", "2025-01-01", "2025-01-01", "2025-01-01T09:30:00Z", "2025-01-02T09:30:00Z"], // -09:30
    ["Australia/Eucla", "2025-06-01", "2025-06-01", "2025-05-31T15:15:00Z", "2025-06-01T15:15:00Z"], // +08:45
    ["America/New_York", "2025-03-09", "2025-03-09", "2025-03-09T05:00:00Z", "2025-03-10T04:00:00Z"], // 23 h
    ["America/Santiago", "2025-09-07", "2025-09-07", "2025-09-07T04:00:00Z", "2025-09-08T03:00:00Z"], // midnight skipped
  ];
  for (const [zone, startDate, endDate, start, end] of cases) {
    it(`${zone} ${startDate}..${endDate}`, () => {
      const utc = rangeToUtc({ startDate, endDate, timeZone: zone });
      assert.deepEqual([iso(utc.start), iso(utc.end)], [start, end]);
    });
  }
});

describe("enumerateBuckets DAY", () => {
  it("America/New_York across spring-forward: a 23-hour day", () => {
    const b = enumerateBuckets({ startDate: "2025-03-08", endDate: "2025-03-10", timeZone: "America/New_York" }, "DAY");
    assert.deepEqual(spans(b), [
      ["2025-03-08", "2025-03-08T05:00:00Z", "2025-03-09T05:00:00Z"],
      ["2025-03-09", "2025-03-09T05:00:00Z", "2025-03-10T04:00:00Z"],
      ["2025-03-10", "2025-03-10T04:00:00Z", "2025-03-11T04:00:00Z"],
    ]);
    assert.deepEqual(b.map(hours), [24, 23, 24]);
  });

  it("America/New_York across fall-back: a 25-hour day", () => {
    const b = enumerateBuckets({ startDate: "2025-11-01", endDate: "2025-11-03", timeZone: "America/New_York" }, "DAY");
    assert.deepEqual(b.map(hours), [24, 25, 24]);
    assert.equal(iso(b[1]!.interval!.start), "2025-11-02T04:00:00Z");
  });

  it("Europe/Berlin across both changes of 2025", () => {
    const spring = enumerateBuckets({ startDate: "2025-03-30", endDate: "2025-03-30", timeZone: "Europe/Berlin" }, "DAY");
    assert.deepEqual(spans(spring), [["2025-03-30", "2025-03-29T23:00:00Z", "2025-03-30T22:00:00Z"]]);
    const autumn = enumerateBuckets({ startDate: "2025-10-26", endDate: "2025-10-26", timeZone: "Europe/Berlin" }, "DAY");
    assert.deepEqual(spans(autumn), [["2025-10-26", "2025-10-25T22:00:00Z", "2025-10-26T23:00:00Z"]]);
  });

  it("Asia/Kathmandu (+05:45) days start at 18:15 UTC", () => {
    const b = enumerateBuckets({ startDate: "2025-01-01", endDate: "2025-01-02", timeZone: "Asia/Kathmandu" }, "DAY");
    assert.deepEqual(spans(b), [
      ["2025-01-01", "2024-12-31T18:15:00Z", "2025-01-01T18:15:00Z"],
      ["2025-01-02", "2025-01-01T18:15:00Z", "2025-01-02T18:15:00Z"],
    ]);
  });

  it("Australia/Eucla (+08:45) days start at 15:15 UTC", () => {
    const b = enumerateBuckets({ startDate: "2025-06-01", endDate: "2025-06-01", timeZone: "Australia/Eucla" }, "DAY");
    assert.deepEqual(spans(b), [["2025-06-01", "2025-05-31T15:15:00Z", "2025-06-01T15:15:00Z"]]);
  });

  it("one bucket per day, keys equal labels", () => {
    const b = enumerateBuckets({ startDate: "2024-02-27", endDate: "2024-03-01", timeZone: "UTC" }, "DAY");
    assert.deepEqual(
      b.map((x) => x.key),
      ["2024-02-27", "2024-02-28", "2024-02-29", "2024-03-01"],
    );
    assert.deepEqual(
      b.map((x) => x.label),
      b.map((x) => x.key),
    );
  });
});

describe("enumerateBuckets WEEK (ISO, Monday)", () => {
  it("across a year boundary, clipped to the range", () => {
    const b = enumerateBuckets({ startDate: "2024-12-28", endDate: "2025-01-08", timeZone: "UTC" }, "WEEK");
    assert.deepEqual(
      b.map((x) => x.key),
      ["2024-12-23", "2024-12-30", "2025-01-06"],
    );
    assert.deepEqual(spans(b), [
      ["2024-12-28", "2024-12-28T00:00:00Z", "2024-12-30T00:00:00Z"],
      ["2024-12-30", "2024-12-30T00:00:00Z", "2025-01-06T00:00:00Z"],
      ["2025-01-06", "2025-01-06T00:00:00Z", "2025-01-09T00:00:00Z"],
    ]);
  });

  it("a week holding a DST change is 167 hours long", () => {
    const b = enumerateBuckets({ startDate: "2025-03-24", endDate: "2025-03-30", timeZone: "Europe/Berlin" }, "WEEK");
    assert.equal(b.length, 1);
    assert.equal(hours(b[0]!), 167);
  });
});

describe("enumerateBuckets MONTH", () => {
  it("calendar months in Europe/Berlin, first and last clipped", () => {
    const b = enumerateBuckets({ startDate: "2025-01-15", endDate: "2025-03-10", timeZone: "Europe/Berlin" }, "MONTH");
    assert.deepEqual(
      b.map((x) => x.key),
      ["2025-01-01", "2025-02-01", "2025-03-01"],
    );
    assert.deepEqual(spans(b), [
      ["2025-01-15", "2025-01-14T23:00:00Z", "2025-01-31T23:00:00Z"],
      ["2025-02-01", "2025-01-31T23:00:00Z", "2025-02-28T23:00:00Z"],
      ["2025-03-01", "2025-02-28T23:00:00Z", "2025-03-10T23:00:00Z"],
    ]);
  });
});

describe("enumerateBuckets HOUR", () => {
  it("America/New_York fall-back day has 25 hours, 01:00 twice", () => {
    const b = enumerateBuckets({ startDate: "2025-11-02", endDate: "2025-11-02", timeZone: "America/New_York" }, "HOUR");
    assert.equal(b.length, 25);
    const ones = b.filter((x) => x.label === "2025-11-02T01:00");
    assert.deepEqual(
      ones.map((x) => iso(x.interval!.start)),
      ["2025-11-02T05:00:00Z", "2025-11-02T06:00:00Z"],
    );
    assert.ok(b.every((x) => hours(x) === 1));
    assert.equal(b[0]!.label, "2025-11-02T00:00");
    assert.equal(b[24]!.label, "2025-11-02T23:00");
  });

  it("America/New_York spring-forward day has 23 hours and no 02:00", () => {
    const b = enumerateBuckets({ startDate: "2025-03-09", endDate: "2025-03-09", timeZone: "America/New_York" }, "HOUR");
    assert.equal(b.length, 23);
    assert.equal(
      b.some((x) => x.label === "2025-03-09T02:00"),
      false,
    );
  });

  it("Asia/Kathmandu hours start at a quarter past the UTC hour", () => {
    const b = enumerateBuckets({ startDate: "2025-01-01", endDate: "2025-01-01", timeZone: "Asia/Kathmandu" }, "HOUR");
    assert.equal(b.length, 24);
    assert.deepEqual(spans(b.slice(0, 2)), [
      ["2025-01-01T00:00", "2024-12-31T18:15:00Z", "2024-12-31T19:15:00Z"],
      ["2025-01-01T01:00", "2024-12-31T19:15:00Z", "2024-12-31T20:15:00Z"],
    ]);
  });
});

describe("enumerateBuckets TOTAL", () => {
  it("is one bucket without instants, labelled with the first day", () => {
    assert.deepEqual(enumerateBuckets({ startDate: "2025-01-01", endDate: "2025-03-31", timeZone: "UTC" }, "TOTAL"), [{ key: "total", label: "2025-01-01" }]);
  });
});

describe("bucketKey agrees with enumerateBuckets", () => {
  const zones = ["UTC", "America/New_York", "Europe/Berlin", "Asia/Kathmandu", "Australia/Eucla", "Pacific/Marquesas", "Australia/Lord_Howe"];
  const grans: Granularity[] = ["HOUR", "DAY", "WEEK", "MONTH"];
  for (const timeZone of zones) {
    for (const g of grans) {
      it(`${timeZone} ${g}: every 15-minute instant falls in the bucket with its key`, () => {
        const range = { startDate: "2025-03-25", endDate: "2025-04-08", timeZone }; // holds DST changes north and south
        const buckets = enumerateBuckets(range, g);
        const byKey = new Map(buckets.map((b) => [b.key, b]));
        const { start, end } = rangeToUtc(range);
        for (let t = start.getTime(); t < end.getTime(); t += 15 * 60_000) {
          const b = byKey.get(bucketKey(new Date(t), timeZone, g));
          assert.ok(b, `no bucket for ${new Date(t).toISOString()}`);
          assert.ok(b.interval!.start.getTime() <= t && t < b.interval!.end.getTime(), `${new Date(t).toISOString()} outside its bucket`);
        }
      });
    }
  }
});
