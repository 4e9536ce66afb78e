/**
 * Starts the real ingestion process (wire.ts) on port 0 against real Redis and Kafka with unique
 * prefixes; only the campaign service (another team's process) is replaced, by an in-memory
 * CampaignSource.
 */
import type { Consumer } from "kafkajs";
import { Redis } from "ioredis";
import { AdEventEnvelope, type AdEventRecord } from "#gen/tally/events/v1/events.js";
import { IngestionServiceClient } from "#gen/tally/ingestion/v1/ingestion.js";
import { createTokenService, type Role } from "#common/auth.js";
import type { CampaignInfo } from "#common/clients/campaign-service-client.js";
import { unavailable } from "#common/errors.js";
import { createProducer } from "#common/kafka.js";
import { createMetrics } from "#common/metrics.js";
import { connect } from "../../../test/support/grpc.js";
import { stack, testLogger, uniqueName } from "../../../test/support/stack.js";
import type { CampaignSource } from "../src/campaigns/redis-cached-campaign-lookup.js";
import { loadConfig } from "../src/config.js";
import { wire } from "../src/wire.js";

/** The campaign service as ingestion sees it: campaigns by tenant, and a switch to make it unreachable. */
export class FakeCampaignSource implements CampaignSource {
  readonly campaigns = new Map<string, CampaignInfo>();
  down = false;

  put(c: CampaignInfo): void {
    this.campaigns.set(`${c.tenantId}/${c.id}`, c);
  }

  async get(tenantId: string, campaignId: string): Promise<CampaignInfo | null> {
    if (this.down) throw unavailable("campaign service");
    return this.campaigns.get(`${tenantId}/${campaignId}`) ?? null;
  }
}

export async function startIngestionHarness() {
  const prefix = `${uniqueName("ingtest")}.`;
  const config = loadConfig({
    TALLY_KAFKA_BROKERS: stack.kafkaBrokers.join(","),
    TALLY_KAFKA_TOPIC_PREFIX: prefix,
    TALLY_REDIS_URL: stack.redisUrl,
    TALLY_REDIS_KEY_PREFIX: `${prefix}:`,
    TALLY_MODE: "development",
    TALLY_JWT_SECRET: stack.jwtSecret,
    TALLY_BOT_DENY_IPS: "203.0.113.0/24",
    TALLY_INGESTION_HOST: "127.0.0.1",
    TALLY_INGESTION_PORT: "0",
    TALLY_INGESTION_METRICS_PORT: "0",
    TALLY_SHUTDOWN_GRACE_MS: "1000",
  });
  const source = new FakeCampaignSource();
  const running = await wire(config, { logger: testLogger("ingestion"), metrics: createMetrics("ingestion-test"), campaignSource: source });
  const { kafka, topics } = running;
  const client = connect(IngestionServiceClient, running.port);
  const tokens = createTokenService({ secret: config.jwtSecret });

  const published = await readTopic(kafka.consumer({ groupId: `${prefix}reader` }), topics.adEvents);
  const campaignEvents = createProducer(kafka);
  await campaignEvents.connect();

  return {
    client,
    source,
    dedup: running.dedup,
    metrics: running.metrics,
    invalidator: running.invalidator,
    published,
    /** A user token of a tenant; ingest needs EDITOR or more. */
    token: async (tenantId: string, role: Role = "EDITOR") => (await tokens.issueUserToken({ tenantId, userId: uniqueName("user"), role })).token,
    /** What the campaign service's outbox relay would publish. */
    sendCampaignEvent: (campaignId: string, value: Buffer) =>
      campaignEvents.send({ topic: topics.campaignEvents, acks: -1, messages: [{ key: campaignId, value }] }),
    async stop() {
      client.close();
      await running.stop();
      await Promise.all([published.consumer.disconnect(), campaignEvents.disconnect()]);
      await deleteKeys(config.redisUrl, config.redisKeyPrefix);
      const admin = kafka.admin();
      await admin.connect();
      await admin.deleteTopics({ topics: Object.values(topics) }).catch(() => undefined);
      await admin.deleteGroups([`${prefix}reader`, config.campaignCacheGroupId]).catch(() => undefined);
      await admin.disconnect();
    },
  };
}

/** One Kafka message of ad-events as read back: its key and the events its envelope carries. */
export interface PublishedMessage {
  key: string;
  /** The oneof case of the envelope: ingestion publishes "batch" only. */
  kind: string;
  events: AdEventRecord[];
}

/** Collects every message published to the topic, and every AdEventRecord in them by event id. */
async function readTopic(consumer: Consumer, topic: string) {
  const messages: PublishedMessage[] = [];
  const records = new Map<string, AdEventRecord>();
  const keys = new Map<string, string>();
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const payload = AdEventEnvelope.decode(message.value!).payload;
      const events = payload?.$case === "batch" ? payload.value.events : payload?.$case === "event" ? [payload.value] : [];
      const key = message.key!.toString();
      messages.push({ key, kind: payload?.$case ?? "none", events });
      for (const e of events) {
        records.set(e.eventId, e);
        keys.set(e.eventId, key);
      }
    },
  });
  return {
    consumer,
    messages,
    records,
    /** The Kafka message key each event was published with. */
    keys,
    /** Waits until every id has been read back, or fails after timeoutMs. */
    async waitFor(eventIds: string[], timeoutMs = 20_000): Promise<AdEventRecord[]> {
      const deadline = Date.now() + timeoutMs;
      while (!eventIds.every((id) => records.has(id))) {
        if (Date.now() > deadline) throw new Error(`not published within ${timeoutMs} ms: ${eventIds.filter((id) => !records.has(id)).join(", ")}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      return eventIds.map((id) => records.get(id)!);
    },
    /** The messages carrying any of these ids, once all of them have been read back. */
    async messagesWith(eventIds: string[]): Promise<PublishedMessage[]> {
      await this.waitFor(eventIds);
      const wanted = new Set(eventIds);
      return messages.filter((m) => m.events.some((e) => wanted.has(e.eventId)));
    },
  };
}

/** Leaves nothing behind: keys are scanned without the client's prefix, which SCAN does not apply. */
async function deleteKeys(url: string, prefix: string): Promise<void> {
  const raw = new Redis(url);
  try {
    let cursor = "0";
    do {
      const [next, found] = await raw.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
      if (found.length > 0) await raw.del(...found);
      cursor = next;
    } while (cursor !== "0");
  } finally {
    await raw.quit();
  }
}
