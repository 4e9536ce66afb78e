/**
 * Issue 9: one trace spans REST → Envoy → ingestion → Kafka → aggregator, and the request id
 * follows the call to the aggregator's log and dead-letter topic. Ingestion (wire) and the
 * aggregator (wireAggregator) run in this process, each with tracing of its own service name into
 * one in-memory exporter; a private Envoy renders envoy/envoy.yaml in front of ingestion. The call
 * carries a traceparent and an x-request-id as a REST client would. One of its two events is
 * refused by the store (a CHECK constraint only Postgres knows), so the call also dead-letters a
 * record.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { SpanKind } from "@opentelemetry/api";
import { InMemorySpanExporter, type ReadableSpan } from "@opentelemetry/sdk-trace";
import type { Consumer, KafkaMessage } from "kafkajs";
import { Redis } from "ioredis";
import { pino } from "pino";
import { createTokenService } from "#common/auth.js";
import type { CampaignInfo } from "#common/clients/campaign-service-client.js";
import { createDb, type Knex } from "#common/db.js";
import { createKafka, topicNames } from "#common/kafka.js";
import { createMetrics } from "#common/metrics.js";
import { startTracing, type Tracing } from "#common/tracing.js";
import { closedPort, startPrivateEnvoy, type PrivateEnvoy } from "../../../test/support/envoy.js";
import { createTestDatabase, stack, testLogger, type TestDatabase } from "../../../test/support/stack.js";
import { loadConfig as loadIngestionConfig } from "../../ingestion/src/config.js";
import { wire as wireIngestion, type IngestionProcess } from "../../ingestion/src/wire.js";
import { wireAggregator, type Aggregator } from "../src/aggregator/wire.js";
import { DLQ_HEADERS } from "../src/aggregator/dead-letter.js";
import { ANALYTICS_SCHEMA } from "../src/store/migrations.js";
import { eventually, testConfig, testNames } from "./support.js";

const TENANT = "tenant-trace";
const CAMPAIGN = "camp-trace";
const TRACE_ID = randomUUID().replaceAll("-", "");
const CLIENT_SPAN_ID = "00f067aa0ba902b7";
const REQUEST_ID = `trace-test-${randomUUID()}`;
const INGEST_METHOD = "tally.ingestion.v1.IngestionService/IngestEvents";

const exporter = new InMemorySpanExporter();
const names = testNames("trace");
const topics = topicNames(names.topicPrefix);
/** The aggregator's log lines, as JSON. */
const aggregatorLog: Record<string, unknown>[] = [];
const deadLetters: KafkaMessage[] = [];

let database: TestDatabase;
let db: Knex;
let ingestionTracing: Tracing;
let aggregatorTracing: Tracing;
let ingestion: IngestionProcess;
let aggregator: Aggregator;
let envoy: PrivateEnvoy;
let dlqReader: Consumer;

const source = {
  async get(tenantId: string, campaignId: string): Promise<CampaignInfo | null> {
    if (tenantId !== TENANT || campaignId !== CAMPAIGN) return null;
    return { id: CAMPAIGN, tenantId: TENANT, name: "Trace", status: "ACTIVE", currencyCode: "EUR", timeZone: "UTC" };
  },
};

before(async () => {
  database = await createTestDatabase();
  const analyticsConfig = testConfig(database.url, names);
  aggregatorTracing = startTracing("analytics-aggregator", analyticsConfig.tracing, exporter);
  const logger = pino({ level: "info", base: { service: "analytics-aggregator" } }, { write: (line: string) => void aggregatorLog.push(JSON.parse(line)) });
  aggregator = await wireAggregator(analyticsConfig, logger, { tracing: aggregatorTracing });
  db = createDb({ url: database.url, schema: ANALYTICS_SCHEMA });
  // A rule only Postgres knows: this event passes ingestion and decoding, and the store refuses it.
  await db.raw("ALTER TABLE raw_events ADD CONSTRAINT test_refuses_marked_ids CHECK (event_id NOT LIKE 'refused-by-store%')");

  const ingestionConfig = loadIngestionConfig({
    TALLY_KAFKA_BROKERS: stack.kafkaBrokers.join(","),
    TALLY_KAFKA_TOPIC_PREFIX: names.topicPrefix,
    TALLY_REDIS_URL: stack.redisUrl,
    TALLY_REDIS_KEY_PREFIX: names.redisPrefix,
    TALLY_MODE: "development",
    TALLY_JWT_SECRET: stack.jwtSecret,
    TALLY_INGESTION_HOST: "127.0.0.1",
    TALLY_INGESTION_PORT: "0",
    TALLY_INGESTION_METRICS_PORT: "0",
    TALLY_SHUTDOWN_GRACE_MS: "1000",
  });
  ingestionTracing = startTracing("ingestion", ingestionConfig.tracing, exporter);
  ingestion = await wireIngestion(ingestionConfig, {
    logger: testLogger("ingestion"),
    metrics: createMetrics("ingestion-trace-test"),
    campaignSource: source,
    tracing: ingestionTracing,
  });
  const down = await closedPort();
  envoy = await startPrivateEnvoy({ campaign: down, ingestion: ingestion.port, analytics: down });

  dlqReader = createKafka({ brokers: stack.kafkaBrokers, clientId: "trace-dlq", logger: testLogger("trace-dlq") }).consumer({
    groupId: `${names.group}-dlq-reader`,
    maxWaitTimeInMs: 100,
  });
  await dlqReader.connect();
  await dlqReader.subscribe({ topic: topics.adEventsDeadLetter, fromBeginning: true });
  await dlqReader.run({ eachMessage: async ({ message }) => void deadLetters.push(message) });
});

after(async () => {
  await dlqReader?.disconnect();
  await envoy?.stop();
  await ingestion?.stop();
  await aggregator?.stop();
  await Promise.all([ingestionTracing?.shutdown(), aggregatorTracing?.shutdown()]);
  await db?.destroy();
  await database?.drop();
  const admin = createKafka({ brokers: stack.kafkaBrokers, clientId: "trace-cleanup", logger: testLogger("trace-cleanup") }).admin();
  await admin.connect();
  await admin.deleteTopics({ topics: Object.values(topics) }).catch(() => undefined);
  await admin.deleteGroups([names.group, `${names.group}-dlq-reader`, `${names.topicPrefix}ingestion-campaign-cache`]).catch(() => undefined);
  await admin.disconnect();
  const redis = new Redis(stack.redisUrl);
  const keys = await redis.keys(`${names.redisPrefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

/** Every span exported so far (both processes flushed first). */
async function spans(): Promise<ReadableSpan[]> {
  await Promise.all([ingestionTracing.flush(), aggregatorTracing.flush()]);
  return exporter.getFinishedSpans();
}

const service = (s: ReadableSpan) => s.resource.attributes["service.name"];
const header = (m: KafkaMessage, name: string) => m.headers?.[name]?.toString();

describe("one call, traced across every hop", () => {
  it("REST → Envoy → ingestion → Kafka → aggregator is one trace, and the request id reaches the aggregator's log and dead letter", async () => {
    const { token } = await createTokenService({ secret: stack.jwtSecret }).issueUserToken({ tenantId: TENANT, userId: "editor-1", role: "EDITOR" });
    const event = (eventId: string, type: string) => ({
      eventId,
      campaignId: CAMPAIGN,
      type,
      platform: "meta",
      region: "DE",
      occurTime: new Date().toISOString(),
    });
    const res = await fetch(`${envoy.url}/v1/events:ingest`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${token}`,
        traceparent: `00-${TRACE_ID}-${CLIENT_SPAN_ID}-01`,
        "x-request-id": REQUEST_ID,
      },
      body: JSON.stringify({ events: [event(`ok-${randomUUID()}`, "EVENT_TYPE_IMPRESSION"), event("refused-by-store-1", "EVENT_TYPE_CLICK")] }),
    });
    const body = (await res.json()) as { counts: { accepted: string } };
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.equal(body.counts.accepted, "2");
    assert.equal(res.headers.get("x-request-id"), REQUEST_ID);

    const apply = await eventually(async () => (await spans()).find((s) => s.name === `apply ${topics.adEvents}`), 20_000, "the aggregator's apply span");
    const all = await spans();
    const server = all.find((s) => s.name === INGEST_METHOD);
    const send = all.find((s) => s.name === `send ${topics.adEvents}`);
    const flush = all.find((s) => s.name === `flush ${topics.adEvents}` && s.attributes["tally.flush.applied"] === 1);
    assert.ok(server && send && flush, `spans: ${all.map((s) => s.name).join(", ")}`);

    // Ingestion's server span: child of the client's span that Envoy passed on.
    assert.equal(service(server), "ingestion");
    assert.equal(server.kind, SpanKind.SERVER);
    assert.equal(server.spanContext().traceId, TRACE_ID);
    assert.equal(server.parentSpanContext?.spanId, CLIENT_SPAN_ID);
    assert.equal(server.attributes["tally.request_id"], REQUEST_ID);
    assert.equal(server.attributes["tally.tenant_id"], TENANT);
    assert.equal(server.attributes["rpc.grpc.status_code"], 0);

    // The Kafka publish: same trace, child of the server span; one message (one campaign) of two events.
    assert.equal(service(send), "ingestion");
    assert.equal(send.kind, SpanKind.PRODUCER);
    assert.equal(send.spanContext().traceId, TRACE_ID);
    assert.equal(send.parentSpanContext?.spanId, server.spanContext().spanId);
    assert.equal(send.attributes["messaging.batch.message_count"], 1);
    assert.equal(send.attributes["tally.event_count"], 2);

    // The aggregator's flush: a trace of its own, linked to the publish.
    assert.equal(service(flush), "analytics-aggregator");
    assert.equal(flush.kind, SpanKind.CONSUMER);
    assert.equal(flush.parentSpanContext, undefined);
    assert.deepEqual(
      flush.links.map((l) => [l.context.traceId, l.context.spanId]),
      [[TRACE_ID, send.spanContext().spanId]],
    );
    assert.equal(flush.attributes["tally.flush.dead_lettered"], 1);
    assert.equal(flush.attributes["tally.flush.refused"], 1);

    // …and in the call's own trace, applying its events: child of the publish, linked to the flush.
    assert.equal(service(apply), "analytics-aggregator");
    assert.equal(apply.spanContext().traceId, TRACE_ID);
    assert.equal(apply.parentSpanContext?.spanId, send.spanContext().spanId);
    assert.deepEqual(
      apply.links.map((l) => l.context.spanId),
      [flush.spanContext().spanId],
    );
    assert.equal(apply.attributes["tally.request_id"], REQUEST_ID);
    assert.deepEqual(
      all
        .filter((s) => s.spanContext().traceId === TRACE_ID)
        .map((s) => `${service(s)} ${s.name}`)
        .sort(),
      [`analytics-aggregator apply ${topics.adEvents}`, `ingestion send ${topics.adEvents}`, `ingestion ${INGEST_METHOD}`].sort(),
    );

    // The request id in the aggregator's log line about the refused record…
    const line = await eventually(async () => aggregatorLog.find((l) => l.msg === "dead-lettered a record"), 10_000, "the dead letter's log line");
    assert.equal(line.requestId, REQUEST_ID);
    assert.equal(line.reason, "STORE_REFUSED");
    assert.equal(line.component, "flush");
    // …and on the dead letter, with the traceparent of the publish that sent it.
    const letter = await eventually(async () => deadLetters[0], 10_000, "the dead letter");
    assert.equal(header(letter, DLQ_HEADERS.reason), "STORE_REFUSED");
    assert.equal(header(letter, "x-request-id"), REQUEST_ID);
    assert.equal(header(letter, "traceparent"), `00-${TRACE_ID}-${send.spanContext().spanId}-01`);
  });
});
