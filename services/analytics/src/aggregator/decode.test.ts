import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AdEventEnvelope, EventType, type AdEventRecord } from "#gen/tally/events/v1/events.js";
import { decodeMessage, type Decoded } from "./decode.js";

const at = new Date("2025-01-01T00:00:00Z");
const record = (over: Partial<AdEventRecord> = {}): AdEventRecord => ({
  tenantId: "t1",
  eventId: "e1",
  campaignId: "c1",
  type: EventType.EVENT_TYPE_CLICK,
  platform: "Meta",
  region: "de",
  occurTime: at,
  receiveTime: undefined,
  valueMicros: "0",
  costMicros: "250",
  currencyCode: "EUR",
  filtered: false,
  filterReason: "",
  attributes: {},
  conversionAction: "",
  ...over,
});
const encode = (e: AdEventEnvelope) => Buffer.from(AdEventEnvelope.encode(e).finish());
const single = (r: AdEventRecord) => encode({ payload: { $case: "event", value: r } });
const batch = (events: AdEventRecord[]) => encode({ payload: { $case: "batch", value: { events } } });

/** The one item a non-batch message decodes to. */
function only(items: Decoded[]): Decoded {
  assert.equal(items.length, 1);
  return items[0]!;
}

describe("decodeMessage", () => {
  it("decodes an event, normalising platform and region, receive time from the message", () => {
    const d = only(decodeMessage(single(record()), at));
    assert.equal(d.kind, "event");
    if (d.kind !== "event") return;
    assert.deepEqual([d.event.kind, d.event.platform, d.event.region, d.event.costMicros, d.event.receiveTime], ["CLICK", "meta", "DE", 250n, at]);
  });

  it("defaults an empty region to ZZ and lowercases the platform", () => {
    const d = only(decodeMessage(single(record({ platform: " Direct ", region: "" })), at));
    assert.ok(d.kind === "event" && d.event.platform === "direct" && d.event.region === "ZZ");
  });

  const dead: [string, Buffer | null, string][] = [
    ["no value", null, "EMPTY_VALUE"],
    ["truncated protobuf", Buffer.from([0x0a, 0x05, 0x01]), "UNDECODABLE"],
    ["an empty envelope", encode({ payload: undefined }), "EMPTY_VALUE"], // encodes to zero bytes
    ["bytes that parse as unknown fields only", Buffer.from("this is not a protobuf message"), "NO_PAYLOAD"],
    ["an event without event_id", single(record({ eventId: "" })), "INVALID_EVENT"],
    ["an event of unknown type", single(record({ type: EventType.EVENT_TYPE_UNSPECIFIED })), "INVALID_EVENT"],
    ["a bad region", single(record({ region: "Germany" })), "INVALID_EVENT"],
    // The one platform rule (contract/platform.ts): empty is refused, as ingestion refuses it.
    ["an event without platform", single(record({ platform: "" })), "INVALID_EVENT"],
    ["a batch without events", batch([]), "EMPTY_BATCH"],
    // Cut inside its second record: not even the intact first record is applied.
    ["a truncated batch", batch([record({ eventId: "a" }), record({ eventId: "b" })]).subarray(0, -5), "UNDECODABLE"],
  ];
  for (const [name, value, reason] of dead) {
    it(`dead-letters ${name} as ${reason}, the message whole`, () => {
      const d = only(decodeMessage(value, at));
      assert.equal(d.kind, "dead");
      assert.equal(d.kind === "dead" && d.reason, reason);
      assert.equal(d.kind === "dead" && d.value, undefined);
    });
  }

  it("expands a batch into its events, in order, each checked and normalised like a single event", () => {
    const items = decodeMessage(
      batch([
        record({ eventId: "a" }),
        record({ eventId: "b", type: EventType.EVENT_TYPE_IMPRESSION, platform: "DIRECT", region: "" }),
        record({ eventId: "c", filtered: true, receiveTime: new Date("2025-01-01T00:00:05Z") }),
      ]),
      at,
    );
    assert.deepEqual(
      items.map((d) =>
        d.kind === "event" ? [d.event.eventId, d.event.kind, d.event.platform, d.event.region, d.event.filtered, d.event.receiveTime.toISOString()] : d.kind,
      ),
      [
        ["a", "CLICK", "meta", "DE", false, "2025-01-01T00:00:00.000Z"],
        ["b", "IMPRESSION", "direct", "ZZ", false, "2025-01-01T00:00:00.000Z"],
        ["c", "CLICK", "meta", "DE", true, "2025-01-01T00:00:05.000Z"],
      ],
    );
  });

  it("dead-letters only the invalid record of a batch, alone, as the single-event message it would have been", () => {
    const bad = record({ eventId: "bad", region: "Germany" });
    const items = decodeMessage(batch([record({ eventId: "a" }), bad, record({ eventId: "c" })]), at);
    assert.deepEqual(
      items.map((d) => d.kind),
      ["event", "dead", "event"],
    );
    const d = items[1]!;
    assert.ok(d.kind === "dead");
    assert.equal(d.reason, "INVALID_EVENT");
    assert.equal(d.detail, 'batch events[1]: region "Germany" is not an alpha-2 code');
    assert.deepEqual(d.value, single(bad));
  });

  it("decodes a report and refuses one with a bad date or hour", () => {
    const report = {
      tenantId: "t1",
      campaignId: "c1",
      platform: "google",
      region: "US",
      date: "2025-01-01",
      hour: 5,
      impressions: "10",
      clicks: "1",
      conversions: "0",
      costMicros: "5",
      revenueMicros: "0",
      currencyCode: "EUR",
      reportTime: at,
      conversionsMicros: "0",
      timeZone: "",
      conversionAction: "",
    };
    const ok = only(decodeMessage(encode({ payload: { $case: "report", value: report } }), at));
    assert.ok(ok.kind === "report" && ok.report.hour === 5 && ok.report.metrics.impressions === 10n);
    assert.equal(only(decodeMessage(encode({ payload: { $case: "report", value: { ...report, date: "2025-02-30" } } }), at)).kind, "dead");
    assert.equal(only(decodeMessage(encode({ payload: { $case: "report", value: { ...report, hour: 24 } } }), at)).kind, "dead");
    assert.equal(only(decodeMessage(encode({ payload: { $case: "report", value: { ...report, timeZone: "Mars/Base" } } }), at)).kind, "dead");
  });

  it("keeps fractional conversions exact and reads whole ones from older producers as micros", () => {
    const base = { tenantId: "t1", campaignId: "c1", platform: "google", region: "US", date: "2025-01-01", impressions: "1", clicks: "1", costMicros: "1" };
    const record = { ...base, revenueMicros: "0", currencyCode: "EUR", reportTime: at, timeZone: "America/Los_Angeles", conversionAction: "" };
    const fractional = only(decodeMessage(encode({ payload: { $case: "report", value: { ...record, conversions: "2", conversionsMicros: "2500000" } } }), at));
    assert.ok(fractional.kind === "report");
    assert.deepEqual(
      [fractional.report.conversionsMicros, fractional.report.metrics.conversions, fractional.report.timeZone],
      [2_500_000n, 2n, "America/Los_Angeles"],
    );
    const older = only(decodeMessage(encode({ payload: { $case: "report", value: { ...record, conversions: "3", conversionsMicros: "0" } } }), at));
    assert.ok(older.kind === "report" && older.report.conversionsMicros === 3_000_000n);
  });
});

describe("decodeMessage: what the store would refuse", () => {
  it("dead-letters a NUL event_id and an int64-max value_micros of a batch alone, keeping the siblings", () => {
    const items = decodeMessage(
      batch([
        record({ eventId: "a\u0000" }),
        record({ eventId: "ok" }),
        record({ eventId: "max", type: EventType.EVENT_TYPE_CONVERSION, valueMicros: "9223372036854775807" }),
      ]),
      at,
    );
    assert.deepEqual(
      items.map((d) => (d.kind === "dead" ? `${d.reason}: ${d.detail}` : d.kind)),
      [
        'INVALID_EVENT: batch events[0]: event_id must not contain NUL (U+0000) characters: "a\\u0000"',
        "event",
        "INVALID_EVENT: batch events[2]: value_micros 9223372036854775807 is outside 0..1000000000000000",
      ],
    );
  });
});
