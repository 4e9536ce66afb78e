import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Message } from "kafkajs";
import { AdEventEnvelope, EventType, type AdEventRecord } from "#gen/tally/events/v1/events.js";
import type { EventRecord } from "../domain/ad-event.js";
import { DEFAULT_BATCH_LIMITS, MAX_REQUEST_BYTES, requestsOf, toKafkaMessages } from "./ad-event-messages.js";

const occurTime = new Date("2025-03-01T10:00:00Z");
const receiveTime = new Date("2025-03-01T10:00:02Z");
const record = (eventId: string, campaignId: string, over: Partial<EventRecord> = {}): EventRecord => ({
  tenantId: "t1",
  eventId,
  campaignId,
  type: "CLICK",
  platform: "meta",
  region: "DE",
  occurTime,
  receiveTime,
  valueMicros: 0n,
  costMicros: 1500n,
  currencyCode: "EUR",
  filtered: false,
  filterReason: "",
  attributes: {},
  conversionAction: "",
  ...over,
});

/** Each message as [key, event ids of its batch]. */
function decoded(messages: Message[]): { key: string; events: AdEventRecord[] }[] {
  return messages.map((m) => {
    const payload = AdEventEnvelope.decode(m.value as Buffer).payload;
    assert.equal(payload?.$case, "batch");
    return { key: String(m.key), events: payload.$case === "batch" ? payload.value.events : [] };
  });
}
const ids = (messages: Message[]) => decoded(messages).map((m) => [m.key, m.events.map((e) => e.eventId)]);

describe("toKafkaMessages", () => {
  it("publishes one batch per campaign, campaigns in order of first appearance, events in their order", () => {
    const records = [record("a", "c2"), record("b", "c1"), record("c", "c2"), record("d", "c3"), record("e", "c1")];
    assert.deepEqual(ids(toKafkaMessages(records)), [
      ["c2", ["a", "c"]],
      ["c1", ["b", "e"]],
      ["c3", ["d"]],
    ]);
  });

  it("carries every field of the record", () => {
    const r = record("a", "c1", {
      type: "CONVERSION",
      valueMicros: 49_990_000n,
      costMicros: 0n,
      filtered: true,
      filterReason: "BOT_USER_AGENT",
      attributes: { creative: "cr-7" },
      conversionAction: "purchase",
    });
    const [m] = decoded(toKafkaMessages([r]));
    assert.deepEqual(m!.events, [
      {
        tenantId: "t1",
        eventId: "a",
        campaignId: "c1",
        type: EventType.EVENT_TYPE_CONVERSION,
        platform: "meta",
        region: "DE",
        occurTime,
        receiveTime,
        valueMicros: "49990000",
        costMicros: "0",
        currencyCode: "EUR",
        filtered: true,
        filterReason: "BOT_USER_AGENT",
        attributes: { creative: "cr-7" },
        conversionAction: "purchase",
      },
    ]);
  });

  it("splits a campaign's events into chunks of at most maxEvents", () => {
    const records = Array.from({ length: 1201 }, (_, i) => record(`e${i}`, "c1"));
    const batches = decoded(toKafkaMessages(records));
    assert.deepEqual(
      batches.map((b) => b.events.length),
      [500, 500, 201],
    );
    assert.deepEqual(
      batches.flatMap((b) => b.events.map((e) => e.eventId)),
      records.map((r) => r.eventId),
    );
  });

  it("keeps every message within maxBytes when events carry large attributes, losing and reordering none", () => {
    // ~26 KB per event: 20 attributes of 64 + 256 four-byte characters, the most validation allows.
    const attributes = Object.fromEntries(Array.from({ length: 20 }, (_, k) => [`${k}`.padEnd(64, "k"), "😀".repeat(256)]));
    const records = Array.from({ length: 100 }, (_, i) => record(`e${i}`, i % 2 ? "c1" : "c2", { attributes }));
    const messages = toKafkaMessages(records);
    const sizes = messages.map((m) => (m.value as Buffer).byteLength);
    assert.ok(Math.max(...sizes) <= DEFAULT_BATCH_LIMITS.maxBytes, `largest message ${Math.max(...sizes)} bytes`);
    assert.ok(messages.length >= 6, `2.6 MB need at least 6 messages, got ${messages.length}`);
    const batches = decoded(messages);
    for (const key of ["c1", "c2"]) {
      const sent = records.filter((r) => r.campaignId === key).map((r) => r.eventId);
      assert.deepEqual(
        batches.filter((b) => b.key === key).flatMap((b) => b.events.map((e) => e.eventId)),
        sent,
      );
    }
  });

  it("sends a single event larger than maxBytes on its own rather than failing", () => {
    const records = [record("a", "c1"), record("b", "c1", { attributes: { big: "x".repeat(300) } }), record("c", "c1")];
    assert.deepEqual(ids(toKafkaMessages(records, { maxEvents: 500, maxBytes: 200 })), [
      ["c1", ["a"]],
      ["c1", ["b"]],
      ["c1", ["c"]],
    ]);
  });
});

describe("requestsOf", () => {
  const message = (key: string, bytes: number): Message => ({ key, value: Buffer.alloc(bytes) });
  const keys = (requests: Message[][]) => requests.map((r) => r.map((m) => String(m.key)));

  it("sends a typical call (a dozen small batches) in one request", () => {
    const messages = Array.from({ length: 12 }, (_, i) => message(`c${i}`, 12_000));
    assert.deepEqual(keys(requestsOf(messages)), [messages.map((m) => String(m.key))]);
  });

  it("never lets a request reach Kafka's 1 MiB: two 512 KiB batches go in separate requests, in order", () => {
    const half = DEFAULT_BATCH_LIMITS.maxBytes;
    const requests = requestsOf([message("a", half), message("b", 1000), message("c", half), message("d", 1000)]);
    assert.deepEqual(keys(requests), [
      ["a", "b"],
      ["c", "d"],
    ]);
    for (const r of requests) assert.ok(r.reduce((n, m) => n + (m.value as Buffer).byteLength, 0) <= MAX_REQUEST_BYTES);
  });

  it("sends a message larger than the limit alone, and nothing for no messages", () => {
    assert.deepEqual(keys(requestsOf([message("a", 10), message("huge", 150), message("b", 10)], 100)), [["a"], ["huge"], ["b"]]);
    assert.deepEqual(requestsOf([]), []);
  });
});
