import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AdEventEnvelope, EventType, type AdEventRecord } from "../../../../gen/tally/events/v1/events.js";
import { decodeMessage } from "./decode.js";

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
  ...over,
});
const encode = (e: AdEventEnvelope) => Buffer.from(AdEventEnvelope.encode(e).finish());

describe("decodeMessage", () => {
  it("decodes an event, normalising platform and region, receive time from the message", () => {
    const d = decodeMessage(encode({ payload: { $case: "event", value: record() } }), at);
    assert.equal(d.kind, "event");
    if (d.kind !== "event") return;
    assert.deepEqual([d.event.kind, d.event.platform, d.event.region, d.event.costMicros, d.event.receiveTime], ["CLICK", "meta", "DE", 250n, at]);
  });

  it("defaults an empty region to ZZ and an empty platform to direct", () => {
    const d = decodeMessage(encode({ payload: { $case: "event", value: record({ platform: "", region: "" }) } }), at);
    assert.ok(d.kind === "event" && d.event.platform === "direct" && d.event.region === "ZZ");
  });

  const dead: [string, Buffer | null, string][] = [
    ["no value", null, "EMPTY_VALUE"],
    ["truncated protobuf", Buffer.from([0x0a, 0x05, 0x01]), "UNDECODABLE"],
    ["an empty envelope", encode({ payload: undefined }), "EMPTY_VALUE"], // encodes to zero bytes
    ["bytes that parse as unknown fields only", Buffer.from("this is not a protobuf message"), "NO_PAYLOAD"],
    ["an event without event_id", encode({ payload: { $case: "event", value: record({ eventId: "" }) } }), "INVALID_EVENT"],
    ["an event of unknown type", encode({ payload: { $case: "event", value: record({ type: EventType.EVENT_TYPE_UNSPECIFIED }) } }), "INVALID_EVENT"],
    ["a bad region", encode({ payload: { $case: "event", value: record({ region: "Germany" }) } }), "INVALID_EVENT"],
  ];
  for (const [name, value, reason] of dead) {
    it(`dead-letters ${name} as ${reason}`, () => {
      const d = decodeMessage(value, at);
      assert.equal(d.kind, "dead");
      assert.equal(d.kind === "dead" && d.reason, reason);
    });
  }

  it("decodes a report and refuses one with a bad date or hour", () => {
    const report = { tenantId: "t1", campaignId: "c1", platform: "google", region: "US", date: "2025-01-01", hour: 5, impressions: "10", clicks: "1", conversions: "0", costMicros: "5", revenueMicros: "0", currencyCode: "EUR", reportTime: at };
    const ok = decodeMessage(encode({ payload: { $case: "report", value: report } }), at);
    assert.ok(ok.kind === "report" && ok.report.hour === 5 && ok.report.metrics.impressions === 10n);
    assert.equal(decodeMessage(encode({ payload: { $case: "report", value: { ...report, date: "2025-02-30" } } }), at).kind, "dead");
    assert.equal(decodeMessage(encode({ payload: { $case: "report", value: { ...report, hour: 24 } } }), at).kind, "dead");
  });
});
