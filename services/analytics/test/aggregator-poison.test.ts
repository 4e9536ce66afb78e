/**
 * Issue 5 acceptance: one tenant's poison never freezes another tenant's numbers. Records are
 * produced straight to Kafka (ingestion refuses such input at its boundary; the aggregator cannot
 * assume every producer does): a NUL in event_id, two value_micros at the int64 maximum, and a
 * record Postgres itself refuses. Tenant B's events must reach insights within flush + 1 s, each
 * poison must be on the dead-letter topic with its reason and coordinates, and tenant A's good
 * events of the same batches must count exactly once.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Consumer, KafkaMessage, Producer } from "kafkajs";
import { GetCampaignInsightsRequest, Granularity, type GetCampaignInsightsResponse } from "#gen/tally/analytics/v1/analytics.js";
import { AdEventEnvelope, EventType } from "#gen/tally/events/v1/events.js";
import { createKafka, topicNames } from "#common/kafka.js";
import { testLogger } from "../../../test/support/stack.js";
import { DLQ_HEADERS } from "../src/aggregator/dead-letter.js";
import { startHarness, type Harness } from "./harness.js";
import { adEvent, batchMessages, eventually } from "./support.js";

const A = "tenant-poison-a";
const B = "tenant-poison-b";
const POISON_PARTITION = 1;
const B_PARTITION = 4;

let h: Harness;
let topic: string;
let producer: Producer;
let dlqConsumer: Consumer;
const deadLetters: KafkaMessage[] = [];

before(async () => {
  h = await startHarness("poison");
  h.campaigns.add({ id: "camp-a", tenantId: A, currencyCode: "EUR", timeZone: "UTC" });
  h.campaigns.add({ id: "camp-b", tenantId: B, currencyCode: "EUR", timeZone: "UTC" });
  const topics = topicNames(h.names.topicPrefix);
  topic = topics.adEvents;
  const kafka = createKafka({ brokers: h.config.kafkaBrokers, clientId: "poison-test", logger: testLogger("poison-test") });
  producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  dlqConsumer = kafka.consumer({ groupId: `${h.names.group}-dlq-reader`, maxWaitTimeInMs: 100 });
  await dlqConsumer.connect();
  await dlqConsumer.subscribe({ topic: topics.adEventsDeadLetter, fromBeginning: true });
  await dlqConsumer.run({ eachMessage: async ({ message }) => void deadLetters.push(message) });
});

after(async () => {
  await dlqConsumer?.disconnect();
  await producer?.disconnect();
  await h?.stop();
});

async function totals(tenantId: string, campaignId: string) {
  const req = GetCampaignInsightsRequest.fromPartial({ campaignId, granularity: Granularity.GRANULARITY_TOTAL });
  const res: GetCampaignInsightsResponse = await h.unary((c) => c.getCampaignInsights, req, tenantId);
  const t = res.totals!;
  return { impressions: t.impressions, clicks: t.clicks, conversions: t.conversions, costMicros: t.costMicros, revenueMicros: t.revenueMicros };
}

/** Produces B's events and answers how long after the broker's ack they were in B's insights. */
async function bVisibleAfterMs(expected: Awaited<ReturnType<typeof totals>>, messages = bMessages()): Promise<number> {
  await producer.send({ topic, messages });
  const acked = Date.now();
  await eventually(async () => JSON.stringify(await totals(B, "camp-b")) === JSON.stringify(expected), 20_000, `tenant B's totals ${JSON.stringify(expected)}`);
  return Date.now() - acked;
}

const bMessages = () =>
  batchMessages(
    [adEvent({ tenantId: B, campaignId: "camp-b" }), adEvent({ tenantId: B, campaignId: "camp-b", type: EventType.EVENT_TYPE_CLICK, costMicros: "300000" })],
    B_PARTITION,
  );

const header = (m: KafkaMessage, name: string) => m.headers?.[name]?.toString();
const letterAt = (offset: bigint, index: number) =>
  deadLetters.find(
    (m) =>
      header(m, DLQ_HEADERS.partition) === String(POISON_PARTITION) &&
      header(m, DLQ_HEADERS.offset) === offset.toString() &&
      header(m, DLQ_HEADERS.detail)?.startsWith(`batch events[${index}]:`),
  );
const eventIdOf = (m: KafkaMessage) => {
  const payload = AdEventEnvelope.decode(m.value!).payload;
  return payload?.$case === "event" ? payload.value.eventId : null;
};

async function metric(name: string, label: Record<string, string>): Promise<number> {
  const values = (await h.aggregatorMetrics.registry.getSingleMetric(name)?.get())?.values ?? [];
  return values.find((v) => Object.entries(label).every(([k, x]) => v.labels[k] === x))?.value ?? 0;
}

describe("a tenant's poison", () => {
  it("(NUL in event_id; two value_micros at int64 max) is dead-lettered while tenant B's events land within flush + 1 s", async () => {
    const a = (over: Parameters<typeof adEvent>[0]) => adEvent({ tenantId: A, campaignId: "camp-a", ...over });
    const nul = a({ eventId: "poison\u0000nul" });
    const max1 = a({ eventId: "max-1", type: EventType.EVENT_TYPE_CONVERSION, valueMicros: "9223372036854775807" });
    const max2 = a({ eventId: "max-2", type: EventType.EVENT_TYPE_CONVERSION, valueMicros: "9223372036854775807" });
    const messages = [
      ...batchMessages([a({}), nul, a({ type: EventType.EVENT_TYPE_CLICK, costMicros: "250000" })], POISON_PARTITION),
      ...batchMessages([max1, max2, a({ type: EventType.EVENT_TYPE_CONVERSION, valueMicros: "1000000" })], POISON_PARTITION),
    ];
    const [sent] = await producer.send({ topic, messages });
    const base = BigInt(sent!.baseOffset!);

    const ms = await bVisibleAfterMs({ impressions: "1", clicks: "1", conversions: "0", costMicros: "300000", revenueMicros: "0" });
    assert.ok(ms <= h.config.aggregatorFlushMs + 1000, `tenant B visible after ${ms} ms`);

    // A's good events of the same batches: each exactly once.
    await eventually(async () => (await h.rawCount("camp-a")) === 3 || undefined, 5_000, "A's three good events");
    assert.deepEqual(await totals(A, "camp-a"), { impressions: "1", clicks: "1", conversions: "1", costMicros: "250000", revenueMicros: "1000000" });

    const cases: [bigint, number, string, string][] = [
      [base, 1, "poison\u0000nul", 'batch events[1]: event_id must not contain NUL (U+0000) characters: "poison\\u0000nul"'],
      [base + 1n, 0, "max-1", "batch events[0]: value_micros 9223372036854775807 is outside 0..1000000000000000"],
      [base + 1n, 1, "max-2", "batch events[1]: value_micros 9223372036854775807 is outside 0..1000000000000000"],
    ];
    for (const [offset, index, eventId, detail] of cases) {
      const letter = await eventually(async () => letterAt(offset, index), 10_000, `the dead letter of ${JSON.stringify(eventId)}`);
      assert.equal(header(letter, DLQ_HEADERS.reason), "INVALID_EVENT");
      assert.equal(header(letter, DLQ_HEADERS.detail), detail);
      assert.equal(header(letter, DLQ_HEADERS.topic), topic);
      assert.equal(eventIdOf(letter), eventId, "the record alone, as a single-event envelope");
      assert.equal(letter.key?.toString(), "camp-a");
    }
    assert.equal(await metric("tally_aggregator_dead_letters_total", { reason: "INVALID_EVENT" }), 3);
  });

  it("that Postgres itself refuses is found by bisection and dead-lettered; B is not held up and A's siblings count once", async () => {
    // A rule the record checks cannot know: Postgres alone refuses these ids (check_violation, 23514).
    await h.db.raw("ALTER TABLE raw_events ADD CONSTRAINT test_refuses_marked_ids CHECK (event_id NOT LIKE 'refused-by-store%')");
    const a = (over: Parameters<typeof adEvent>[0]) => adEvent({ tenantId: A, campaignId: "camp-a", ...over });
    const refused = a({ eventId: "refused-by-store-1", type: EventType.EVENT_TYPE_CLICK });
    const [poison] = batchMessages([a({}), a({}), refused, a({ type: EventType.EVENT_TYPE_CONVERSION, valueMicros: "5" })], POISON_PARTITION);
    // Poison and B's events in one produce: they land in the same flush.
    const [bMessage] = bMessages();
    const started = Date.now();
    const sent = await producer.send({ topic, messages: [poison!, bMessage!] });
    const offset = BigInt(sent.find((s) => s.partition === POISON_PARTITION)!.baseOffset!);
    await eventually(
      async () =>
        JSON.stringify(await totals(B, "camp-b")) ===
        JSON.stringify({ impressions: "2", clicks: "2", conversions: "0", costMicros: "600000", revenueMicros: "0" }),
      20_000,
      "B's second events",
    );
    const ms = Date.now() - started;
    assert.ok(ms <= h.config.aggregatorFlushMs + 1000, `tenant B visible after ${ms} ms`);

    await eventually(async () => (await h.rawCount("camp-a")) === 6 || undefined, 5_000, "A's three good siblings");
    assert.deepEqual(await totals(A, "camp-a"), { impressions: "3", clicks: "1", conversions: "2", costMicros: "250000", revenueMicros: "1000005" });

    const letter = await eventually(async () => letterAt(offset, 2), 10_000, "the refused record's dead letter");
    assert.equal(header(letter, DLQ_HEADERS.reason), "STORE_REFUSED");
    assert.match(
      header(letter, DLQ_HEADERS.detail)!,
      /^batch events\[2\]: the store refused it: 23514: new row for relation "raw_events_\d{8}" violates check constraint "test_refuses_marked_ids"/,
    );
    assert.equal(header(letter, DLQ_HEADERS.topic), topic);
    assert.equal(eventIdOf(letter), "refused-by-store-1");
    assert.equal(await metric("tally_aggregator_dead_letters_total", { reason: "STORE_REFUSED" }), 1);
    assert.equal(await metric("tally_aggregator_flush_failures_total", { kind: "REFUSED" }), 1);
    assert.equal(await metric("tally_aggregator_flush_failures_total", { kind: "FATAL" }), 0);
    // The refused record is dead-lettered, not counted as a duplicate.
    assert.equal(await metric("tally_aggregator_events_duplicate_total", {}), 0);
  });
});
