/**
 * The aggregator against real Kafka and Postgres: produce envelopes (batches as ingestion publishes
 * them, and legacy single events) → exact rollups; duplicates count once, within a batch, across
 * batches and across re-deliveries; garbage goes to the dead-letter topic without stopping its
 * partition; a restart with the Kafka group offset reset to the beginning counts nothing twice.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Consumer, KafkaMessage, Producer } from "kafkajs";
import { EventType } from "#gen/tally/events/v1/events.js";
import { createDb, type Knex } from "#common/db.js";
import { createKafka, ensureTopics, topicConfigs, topicNames } from "#common/kafka.js";
import { createTestDatabase, testLogger, type TestDatabase } from "../../../test/support/stack.js";
import { wireAggregator } from "../src/aggregator/wire.js";
import { InMemoryCampaigns } from "./harness.js";
import { DLQ_HEADERS } from "../src/aggregator/dead-letter.js";
import type { AnalyticsConfig } from "../src/config.js";
import { adEvent, batchMessages, eventMessage, eventually, platformReport, reportMessage, stopList, testConfig, testNames } from "./support.js";

const logger = testLogger("aggregator-test");
const names = testNames("agg");
const topics = topicNames(names.topicPrefix);
const kafka = createKafka({ brokers: testConfig("postgres://x@127.0.0.1/x", names).kafkaBrokers, clientId: "aggregator-test", logger });

let database: TestDatabase;
let config: AnalyticsConfig;
let db: Knex;
let producer: Producer;
let dlqConsumer: Consumer;
const deadLetters: KafkaMessage[] = [];
let running = stopList();

async function runAggregator() {
  running = stopList();
  // No campaigns known: budget checks find none and fire nothing (never the lead's campaign service).
  const aggregator = await wireAggregator(config, logger, { campaigns: new InMemoryCampaigns() });
  running.onStop("aggregator", () => aggregator.stop());
  return aggregator.metrics;
}

type RollupSums = { impressions: string; clicks: string; conversions: string; cost_micros: string; revenue_micros: string; filtered_events: string };

async function sums(tenant: string, campaign: string): Promise<RollupSums> {
  const r = await db.raw(
    `SELECT coalesce(sum(impressions),0)::int8 AS impressions, coalesce(sum(clicks),0)::int8 AS clicks, coalesce(sum(conversions),0)::int8 AS conversions,
            coalesce(sum(cost_micros),0)::int8 AS cost_micros, coalesce(sum(revenue_micros),0)::int8 AS revenue_micros, coalesce(sum(filtered_events),0)::int8 AS filtered_events
     FROM rollups WHERE tenant_id = ? AND campaign_id = ?`,
    [tenant, campaign],
  );
  return r.rows[0];
}

const header = (m: KafkaMessage, name: string) => m.headers?.[name]?.toString();
const rawCount = async (tenant: string) => Number((await db.raw("SELECT count(*) AS n FROM raw_events WHERE tenant_id = ?", [tenant])).rows[0].n);

before(async () => {
  database = await createTestDatabase();
  config = testConfig(database.url, names);
  db = createDb({ url: database.url, schema: "analytics" });
  await ensureTopics(kafka, topicConfigs(topics));
  producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  dlqConsumer = kafka.consumer({ groupId: `${names.group}-dlq-reader`, maxWaitTimeInMs: 100 });
  await dlqConsumer.connect();
  await dlqConsumer.subscribe({ topic: topics.adEventsDeadLetter, fromBeginning: true });
  await dlqConsumer.run({ eachMessage: async ({ message }) => void deadLetters.push(message) });
  await runAggregator();
});

after(async () => {
  await running.stopAll();
  await dlqConsumer?.disconnect();
  await producer?.disconnect();
  await db?.destroy();
  await database?.drop();
});

describe("aggregator", () => {
  it("sums batch and legacy single-event messages exactly into 15-minute UTC rollups", async () => {
    const t = "tenant-sums";
    const at = (iso: string) => new Date(iso);
    const events = [
      adEvent({ tenantId: t, occurTime: at("2025-01-01T10:00:00Z"), costMicros: "1000" }),
      adEvent({ tenantId: t, occurTime: at("2025-01-01T10:14:59Z"), costMicros: "1000" }),
      adEvent({ tenantId: t, occurTime: at("2025-01-01T10:15:00Z"), costMicros: "1000" }),
      adEvent({ tenantId: t, type: EventType.EVENT_TYPE_CLICK, occurTime: at("2025-01-01T10:20:00Z"), costMicros: "250000" }),
      adEvent({ tenantId: t, type: EventType.EVENT_TYPE_CONVERSION, occurTime: at("2025-01-01T11:00:00Z"), valueMicros: "12500000" }),
      adEvent({ tenantId: t, type: EventType.EVENT_TYPE_CLICK, filtered: true, filterReason: "bot", costMicros: "999" }),
      adEvent({ tenantId: t, campaignId: "campaign-2", platform: "google", region: "US" }),
    ];
    // A batch of 5 for campaign-1 and one of 1 for campaign-2, plus one legacy single-event message.
    const messages = [...batchMessages(events.filter((_, i) => i !== 2)), eventMessage(events[2]!)];
    assert.equal(messages.length, 3);
    await producer.send({ topic: topics.adEvents, messages });
    await eventually(async () => (await rawCount(t)) === 7, 20_000, "7 raw events");
    assert.deepEqual(await sums(t, "campaign-1"), {
      impressions: "3",
      clicks: "1",
      conversions: "1",
      cost_micros: "253000",
      revenue_micros: "12500000",
      filtered_events: "1",
    });
    const buckets = await db.raw(
      "SELECT to_char(bucket_start AT TIME ZONE 'UTC', 'HH24:MI') AS b, impressions, clicks FROM rollups WHERE tenant_id = ? AND campaign_id = 'campaign-1' AND filtered_events = 0 ORDER BY bucket_start",
      [t],
    );
    assert.deepEqual(buckets.rows, [
      { b: "10:00", impressions: "2", clicks: "0" },
      { b: "10:15", impressions: "1", clicks: "1" },
      { b: "11:00", impressions: "0", clicks: "0" },
    ]);
    assert.equal((await sums(t, "campaign-2")).impressions, "1");
  });

  it("counts the same (tenant, event_id) once, however often it is produced", async () => {
    const t = "tenant-dups";
    const once = adEvent({ tenantId: t, eventId: "evt-1", type: EventType.EVENT_TYPE_CLICK });
    await producer.send({ topic: topics.adEvents, messages: [eventMessage(once), eventMessage(once)] });
    await producer.send({ topic: topics.adEvents, messages: [eventMessage({ ...once, costMicros: "5" })] });
    // The same event_id of another tenant is another event.
    await producer.send({ topic: topics.adEvents, messages: [eventMessage({ ...once, tenantId: `${t}-other` })] });
    await eventually(async () => (await rawCount(`${t}-other`)) === 1, 20_000, "other tenant's event");
    await eventually(async () => (await sums(t, "campaign-1")).clicks === "1" || undefined, 5_000, "one click");
    assert.deepEqual(await sums(t, "campaign-1"), {
      impressions: "0",
      clicks: "1",
      conversions: "0",
      cost_micros: "0",
      revenue_micros: "0",
      filtered_events: "0",
    });
    assert.equal(await rawCount(t), 1);
  });

  it("counts a re-delivered batch once, and only the new events of a batch that repeats some", async () => {
    const t = "tenant-batch-dups";
    const first = [adEvent({ tenantId: t, eventId: "b-1" }), adEvent({ tenantId: t, eventId: "b-2", type: EventType.EVENT_TYPE_CLICK, costMicros: "100" })];
    const [batch] = batchMessages(first);
    // All of this tenant's events are campaign-1: one key, one partition, read in produce order.
    await producer.send({ topic: topics.adEvents, messages: [batch!, batch!] });
    await eventually(async () => (await rawCount(t)) === 2, 20_000, "the first batch");
    await eventually(async () => (await sums(t, "campaign-1")).clicks === "1" || undefined, 5_000, "one click");
    assert.deepEqual(await sums(t, "campaign-1"), {
      impressions: "1",
      clicks: "1",
      conversions: "0",
      cost_micros: "100",
      revenue_micros: "0",
      filtered_events: "0",
    });

    // b-2 already applied, b-3 new, in one message: only b-3 may count.
    const b3 = adEvent({ tenantId: t, eventId: "b-3", type: EventType.EVENT_TYPE_CONVERSION, valueMicros: "7" });
    await producer.send({ topic: topics.adEvents, messages: batchMessages([first[1]!, b3]) });
    await eventually(async () => (await rawCount(t)) === 3, 20_000, "b-3");
    // The first batch once more after it was applied, then b-4 to know it has been read.
    await producer.send({ topic: topics.adEvents, messages: [batch!, ...batchMessages([adEvent({ tenantId: t, eventId: "b-4" })])] });
    await eventually(async () => (await rawCount(t)) === 4, 20_000, "b-4");
    await eventually(async () => (await sums(t, "campaign-1")).impressions === "2" || undefined, 5_000, "b-4 in the rollups");
    assert.deepEqual(await sums(t, "campaign-1"), {
      impressions: "2",
      clicks: "1",
      conversions: "1",
      cost_micros: "100",
      revenue_micros: "7",
      filtered_events: "0",
    });
  });

  it("dead-letters the one invalid record of a batch alone and applies its siblings; an undecodable batch goes whole", async () => {
    const t = "tenant-batch-dlq";
    const bad = adEvent({ tenantId: t, eventId: "bad-region", region: "Germany" });
    const [sent] = await producer.send({
      topic: topics.adEvents,
      messages: batchMessages([adEvent({ tenantId: t }), bad, adEvent({ tenantId: t, type: EventType.EVENT_TYPE_CLICK })], 3),
    });
    const truncated = batchMessages([adEvent({ tenantId: t }), adEvent({ tenantId: t })])[0]!.value.subarray(0, -5);
    const [sentTruncated] = await producer.send({ topic: topics.adEvents, messages: [{ key: "campaign-1", value: truncated, partition: 3 }] });
    await producer.send({ topic: topics.adEvents, messages: batchMessages([adEvent({ tenantId: t, eventId: "after" })], 3) });

    await eventually(async () => (await rawCount(t)) === 3, 20_000, "the two valid siblings and the batch after the garbage");
    assert.deepEqual(await sums(t, "campaign-1"), {
      impressions: "2",
      clicks: "1",
      conversions: "0",
      cost_micros: "0",
      revenue_micros: "0",
      filtered_events: "0",
    });
    const fromPartition3 = (offset: string) => deadLetters.find((m) => header(m, DLQ_HEADERS.partition) === "3" && header(m, DLQ_HEADERS.offset) === offset);
    const letter = await eventually(async () => fromPartition3(sent!.baseOffset!), 10_000, "the invalid record's dead letter");
    assert.equal(header(letter, DLQ_HEADERS.reason), "INVALID_EVENT");
    assert.equal(header(letter, DLQ_HEADERS.detail), 'batch events[1]: region "Germany" is not an alpha-2 code');
    assert.deepEqual(letter.value, eventMessage(bad).value, "the record alone, as a single-event envelope");
    assert.equal(letter.key?.toString(), "campaign-1");
    const whole = await eventually(async () => fromPartition3(sentTruncated!.baseOffset!), 10_000, "the truncated batch's dead letter");
    assert.equal(header(whole, DLQ_HEADERS.reason), "UNDECODABLE");
    assert.deepEqual(whole.value, truncated);
    assert.equal(deadLetters.filter((m) => header(m, DLQ_HEADERS.partition) === "3").length, 2);
  });

  it("dead-letters an undecodable message with its reason and keeps the partition going", async () => {
    const t = "tenant-dlq";
    const garbage = Buffer.from([0x0a, 0x05, 0x01]); // field 1 claims 5 bytes, 1 follows
    const [sent] = await producer.send({ topic: topics.adEvents, messages: [{ key: "campaign-1", value: garbage, partition: 2 }] });
    await producer.send({
      topic: topics.adEvents,
      messages: [{ key: "campaign-1", value: null, partition: 2 }, eventMessage(adEvent({ tenantId: t }), 2)],
    });
    await eventually(async () => (await rawCount(t)) === 1, 20_000, "the event after the garbage");
    const fromPartition2 = () => deadLetters.filter((m) => header(m, DLQ_HEADERS.partition) === "2");
    const letters = await eventually(async () => (fromPartition2().length >= 2 ? fromPartition2() : undefined), 10_000, "two dead letters");
    const first = letters.find((m) => m.value?.equals(garbage))!;
    assert.ok(first, "the garbage is in the DLQ unchanged");
    assert.equal(header(first, DLQ_HEADERS.reason), "UNDECODABLE");
    assert.equal(header(first, DLQ_HEADERS.topic), topics.adEvents);
    assert.equal(header(first, DLQ_HEADERS.partition), "2");
    assert.equal(header(first, DLQ_HEADERS.offset), sent!.baseOffset);
    assert.equal(first.key?.toString(), "campaign-1");
    const empty = letters.find((m) => header(m, DLQ_HEADERS.reason) === "EMPTY_VALUE");
    assert.ok(empty, "a message without a value is dead-lettered too");
    assert.equal(header(empty, DLQ_HEADERS.partition), "2");
    assert.equal(header(empty, DLQ_HEADERS.offset), String(BigInt(sent!.baseOffset!) + 1n));
  });

  it("keeps the latest platform report row per key", async () => {
    const t = "tenant-reports";
    const row = (reportTime: string, impressions: string) => reportMessage(platformReport({ tenantId: t, reportTime: new Date(reportTime), impressions }));
    await producer.send({ topic: topics.adEvents, messages: [row("2025-01-02T00:00:00Z", "100"), row("2025-01-03T00:00:00Z", "120")] });
    await producer.send({ topic: topics.adEvents, messages: [row("2025-01-01T00:00:00Z", "90")] }); // older: ignored
    await producer.send({ topic: topics.adEvents, messages: [reportMessage(platformReport({ tenantId: t, hour: 5, impressions: "7" }))] });
    const rows = await eventually(async () => {
      const r = await db.raw("SELECT hour, impressions FROM platform_report_rows WHERE tenant_id = ? ORDER BY hour", [t]);
      return r.rows.length === 2 ? r.rows : undefined;
    });
    await new Promise((r) => setTimeout(r, 500)); // let the older row's flush land too
    const final = await db.raw("SELECT hour, impressions FROM platform_report_rows WHERE tenant_id = ? ORDER BY hour", [t]);
    assert.deepEqual(final.rows, [
      { hour: -1, impressions: "120" },
      { hour: 5, impressions: "7" },
    ]);
    assert.equal(rows.length, 2);
  });

  it("marks every partition caught up once everything is applied (data freshness)", async () => {
    const before = new Date();
    await producer.send({ topic: topics.adEvents, messages: [eventMessage(adEvent({ tenantId: "tenant-fresh" }))] });
    await eventually(
      async () => {
        const r = await db.raw("SELECT count(*)::int AS n, min(caught_up_at) AS oldest FROM consumer_offsets WHERE group_id = ? AND topic = ?", [
          names.group,
          topics.adEvents,
        ]);
        const { n, oldest } = r.rows[0] as { n: number; oldest: Date | null };
        return n === 6 && oldest && oldest >= before;
      },
      10_000,
      "all 6 partitions caught up after the produce",
    );
  });

  it("after a restart with the group offset reset to the beginning, nothing is counted twice", async () => {
    const before = await sums("tenant-sums", "campaign-1");
    const rawBefore = await rawCount("tenant-sums");
    await running.stopAll();
    const admin = kafka.admin();
    await admin.connect();
    await admin.resetOffsets({ groupId: names.group, topic: topics.adEvents, earliest: true });
    await admin.disconnect();

    const metrics = await runAggregator();
    await producer.send({
      topic: topics.adEvents,
      messages: [eventMessage(adEvent({ tenantId: "tenant-sums", type: EventType.EVENT_TYPE_CONVERSION, valueMicros: "1" }))],
    });
    await eventually(async () => (await sums("tenant-sums", "campaign-1")).conversions === "2" || undefined, 20_000, "the new conversion");
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(await sums("tenant-sums", "campaign-1"), { ...before, conversions: "2", revenue_micros: "12500001" });
    assert.equal(await rawCount("tenant-sums"), rawBefore + 1);
    // Seeking to the stored offsets skipped the old messages: none even reached the raw-event de-dup.
    const duplicates = (await metrics.registry.getSingleMetric("tally_aggregator_events_duplicate_total")?.get())?.values[0]?.value ?? 0;
    assert.equal(duplicates, 0);
  });

  it("with no stored position, reads from the log start even when old records were deleted", async () => {
    await running.stopAll();
    const admin = kafka.admin();
    await admin.connect();
    const [p2] = (await admin.fetchTopicOffsets(topics.adEvents)).filter((o) => o.partition === 2);
    await admin.deleteTopicRecords({ topic: topics.adEvents, partitions: [{ partition: 2, offset: p2!.high }] });
    await admin.disconnect();
    await db.raw("DELETE FROM consumer_offsets WHERE partition = 2"); // as if this database never applied partition 2

    await runAggregator();
    await producer.send({ topic: topics.adEvents, messages: [eventMessage(adEvent({ tenantId: "tenant-log-start" }), 2)] });
    await eventually(async () => (await rawCount("tenant-log-start")) === 1, 20_000, "the event after the deleted records");
  });

  it("with a full buffer, flushes while reading on, one flush ahead at most, and counts every event once", async () => {
    await running.stopAll();
    config = testConfig(database.url, names, { TALLY_AGGREGATOR_MAX_BUFFER: "100" }); // every 250-event message fills it
    const metrics = await runAggregator();
    const t = "tenant-full-buffer";
    const events = Array.from({ length: 3000 }, (_, i) =>
      adEvent({
        tenantId: t,
        campaignId: `campaign-${i % 3}`,
        type: i % 10 === 0 ? EventType.EVENT_TYPE_CLICK : EventType.EVENT_TYPE_IMPRESSION,
        costMicros: "10",
      }),
    );
    // 12 calls' worth: 250 events per call, one batch message per campaign; the first two sent twice.
    for (let i = 0; i < events.length; i += 250) await producer.send({ topic: topics.adEvents, messages: batchMessages(events.slice(i, i + 250)) });
    await producer.send({ topic: topics.adEvents, messages: batchMessages(events.slice(0, 500)) });
    const metric = async (name: string) => (await metrics.registry.getSingleMetric(name)?.get())?.values ?? [];
    const duplicates = async () => (await metric("tally_aggregator_events_duplicate_total"))[0]?.value ?? 0;
    await eventually(async () => (await rawCount(t)) === 3000 && (await duplicates()) === 500, 30_000, "3000 raw events and 500 duplicates");
    for (const c of ["campaign-0", "campaign-1", "campaign-2"]) {
      assert.deepEqual(await sums(t, c), {
        impressions: "900",
        clicks: "100",
        conversions: "0",
        cost_micros: "10000",
        revenue_micros: "0",
        filtered_events: "0",
      });
    }
    const flushes = (await metric("tally_aggregator_flush_seconds")).find((v) => (v as { metricName?: string }).metricName?.endsWith("_count"))?.value ?? 0;
    assert.ok(flushes >= 2, `flushed ${flushes} times`);
  });
});
