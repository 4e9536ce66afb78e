/**
 * Starts the real ingestion process (wire.ts) on port 0 against real Redis and Kafka with unique
 * prefixes; only the campaign service (another team's process) is replaced, by an in-memory
 * CampaignSource.
 */
import type { Consumer } from "kafkajs";
import { AdEventEnvelope, type AdEventRecord, type PlatformReportRecord } from "#gen/tally/events/v1/events.js";
import { IngestionServiceClient } from "#gen/tally/ingestion/v1/ingestion.js";
import { createTokenService, type Role } from "#common/auth.js";
import type { CampaignInfo } from "#common/clients/campaign-service-client.js";
import { unavailable } from "#common/errors.js";
import { createProducer } from "#common/kafka.js";
import { createMetrics } from "#common/metrics.js";
import { connect } from "../../../test/support/grpc.js";
import { createTestDatabase, deleteRedisKeys, stack, testLogger, uniqueName, type TestDatabase } from "../../../test/support/stack.js";
import type { CampaignDirectory } from "../src/domain/platform-sync-runner.js";
import type { ReportSources } from "../src/domain/report-source.js";
import type { Logger } from "#common/logger.js";
import type { CampaignSource } from "../src/campaigns/redis-cached-campaign-lookup.js";
import { loadConfig } from "../src/config.js";
import { wire } from "../src/wire.js";

/** The campaign service as ingestion sees it: campaigns by tenant, and a switch to make it unreachable. */
export class FakeCampaignSource implements CampaignSource, CampaignDirectory {
  readonly campaigns = new Map<string, CampaignInfo>();
  down = false;

  put(c: CampaignInfo): void {
    this.campaigns.set(`${c.tenantId}/${c.id}`, c);
  }

  async get(tenantId: string, campaignId: string): Promise<CampaignInfo | null> {
    if (this.down) throw unavailable("campaign service");
    return this.campaigns.get(`${tenantId}/${campaignId}`) ?? null;
  }

  async list(tenantId: string): Promise<CampaignInfo[]> {
    if (this.down) throw unavailable("campaign service");
    return [...this.campaigns.values()].filter((c) => c.tenantId === tenantId);
  }
}

export interface HarnessOptions {
  /** Extra TALLY_* settings (e.g. the platform sync interval). */
  env?: Record<string, string>;
  reportSources?: ReportSources;
  logger?: Logger;
  /** Topics under this prefix (e.g. an analytics harness's, to aggregate what ingestion publishes). */
  topicPrefix?: string;
  /** Shared with another harness: a second replica of the same deployment (same database, topics, Redis). */
  replicaOf?: { database: TestDatabase; prefix: string; source: FakeCampaignSource };
}

export async function startIngestionHarness(opts: HarnessOptions = {}) {
  const prefix = opts.replicaOf?.prefix ?? opts.topicPrefix ?? `${uniqueName("ingtest")}.`;
  const database = opts.replicaOf?.database ?? (await createTestDatabase());
  const config = loadConfig({
    TALLY_PG_URL: database.url,
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
    TALLY_PLATFORM_SYNC_INTERVAL_MS: "0",
    TALLY_PLATFORM_WORKER_POLL_MS: "100",
    ...opts.env,
  });
  const source = opts.replicaOf?.source ?? new FakeCampaignSource();
  const running = await wire(config, {
    logger: opts.logger ?? testLogger("ingestion"),
    metrics: createMetrics("ingestion-test"),
    campaignSource: source,
    campaignDirectory: source,
    reportSources: opts.reportSources ?? {},
  });
  const { kafka, topics } = running;
  const client = connect(IngestionServiceClient, running.port);
  const tokens = createTokenService({ secret: config.jwtSecret });

  const readerGroup = `${prefix}reader${opts.replicaOf ? uniqueName("-r") : ""}`;
  const published = await readTopic(kafka.consumer({ groupId: readerGroup }), topics.adEvents);
  const campaignEvents = createProducer(kafka);
  await campaignEvents.connect();

  return {
    client,
    source,
    database,
    prefix,
    db: running.db,
    tokens,
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
      const admin = kafka.admin();
      await admin.connect();
      if (opts.replicaOf) {
        // A replica leaves the shared deployment (database, topics, keys) to its first harness.
        await admin.deleteGroups([readerGroup]).catch(() => undefined);
        await admin.disconnect();
        return;
      }
      await database.drop();
      await deleteRedisKeys(config.redisKeyPrefix, config.redisUrl);
      await admin.deleteTopics({ topics: Object.values(topics) }).catch(() => undefined);
      await admin.deleteGroups([readerGroup, config.campaignCacheGroupId]).catch(() => undefined);
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
  const reports: PlatformReportRecord[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const payload = AdEventEnvelope.decode(message.value!).payload;
      const events = payload?.$case === "batch" ? payload.value.events : payload?.$case === "event" ? [payload.value] : [];
      const key = message.key!.toString();
      messages.push({ key, kind: payload?.$case ?? "none", events });
      if (payload?.$case === "report") reports.push(payload.value);
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
    /** Every platform report record read back, in topic order per partition. */
    reports,
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
