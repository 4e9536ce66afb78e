import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { PlatformReport, TrackedEvent } from "../domain/ad-events.js";
import { eventProblem, reportProblem } from "./record-limits.js";

const at = new Date("2025-01-01T00:00:00Z");
const event = (over: Partial<TrackedEvent> = {}): TrackedEvent => ({
  tenantId: "t1",
  eventId: "e1",
  campaignId: "c1",
  kind: "CONVERSION",
  platform: "meta",
  region: "DE",
  occurTime: at,
  receiveTime: at,
  valueMicros: 0n,
  costMicros: 0n,
  filtered: false,
  conversionAction: "",
  ...over,
});
const report = (over: Partial<PlatformReport["metrics"]> & { reportTime?: Date; campaignId?: string } = {}): PlatformReport => {
  const { reportTime, campaignId, ...metrics } = over;
  return {
    tenantId: "t1",
    campaignId: campaignId ?? "c1",
    platform: "google",
    region: "US",
    date: "2025-01-01",
    hour: null,
    timeZone: "",
    metrics: { impressions: 1n, clicks: 1n, conversions: 1n, costMicros: 1n, revenueMicros: 1n, ...metrics },
    conversionsMicros: 1_000_000n,
    reportTime: reportTime ?? at,
    conversionAction: "",
  };
};

const eventCases: [string, Partial<TrackedEvent>, string | null][] = [
  ["a normal event", {}, null],
  ["micros at the cap", { valueMicros: 1_000_000_000_000_000n, costMicros: 1_000_000_000_000_000n }, null],
  ["a NUL in event_id", { eventId: "poison\u0000" }, 'event_id must not contain NUL (U+0000) characters: "poison\\u0000"'],
  ["a NUL in tenant_id", { tenantId: "\u0000" }, 'tenant_id must not contain NUL (U+0000) characters: "\\u0000"'],
  ["a lone surrogate in campaign_id", { campaignId: "c\uD800" }, 'campaign_id is not valid UTF-8: "c\\ud800"'],
  ["a surrogate pair (emoji) is fine", { eventId: "e-\u{1F600}" }, null],
  ["an event_id of 513 bytes", { eventId: "x".repeat(513) }, "event_id is longer than 512 bytes"],
  ["value_micros at int64 max", { valueMicros: 9223372036854775807n }, "value_micros 9223372036854775807 is outside 0..1000000000000000"],
  ["cost_micros one above the cap", { costMicros: 1_000_000_000_000_001n }, "cost_micros 1000000000000001 is outside 0..1000000000000000"],
  ["negative cost_micros", { costMicros: -1n }, "cost_micros -1 is outside 0..1000000000000000"],
  [
    "occur_time before 1970",
    { occurTime: new Date("1969-12-31T23:59:59Z") },
    "occur_time must lie between 1970-01-01T00:00:00Z and 2100-12-31T23:59:59.999999999Z",
  ],
  ["occur_time in 2100-12-31", { occurTime: new Date("2100-12-31T23:59:59.999Z") }, null],
  [
    "receive_time in year 9999",
    { receiveTime: new Date("9999-12-31T23:59:59Z") },
    "receive_time must lie between 1970-01-01T00:00:00Z and 2100-12-31T23:59:59.999999999Z",
  ],
];

describe("eventProblem", () => {
  for (const [name, over, problem] of eventCases) it(name, () => assert.equal(eventProblem(event(over)), problem));
});

describe("reportProblem", () => {
  it("passes a normal row", () => assert.equal(reportProblem(report()), null));
  it("refuses a count above int64", () =>
    assert.equal(reportProblem(report({ impressions: 2n ** 63n })), "impressions 9223372036854775808 is outside 0..2^63-1"));
  it("refuses a negative count", () => assert.equal(reportProblem(report({ clicks: -5n })), "clicks -5 is outside 0..2^63-1"));
  it("refuses money above the per-event cap", () =>
    assert.equal(reportProblem(report({ revenueMicros: 10n ** 16n })), "revenue_micros 10000000000000000 is outside 0..1000000000000000"));
  it("refuses a NUL in campaign_id", () =>
    assert.equal(reportProblem(report({ campaignId: "c\u0000" })), 'campaign_id must not contain NUL (U+0000) characters: "c\\u0000"'));
  it("refuses a report_time in year 9999", () =>
    assert.equal(
      reportProblem(report({ reportTime: new Date("9999-01-01T00:00:00Z") })),
      "report_time must lie between 1970-01-01T00:00:00Z and 2100-12-31T23:59:59.999999999Z",
    ));
});
