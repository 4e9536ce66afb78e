/**
 * One test file's analytics stack: a fresh database, its own topics and Redis keys, the real
 * aggregator on real Kafka, and the insights server on port 0. The campaign service is the one
 * dependency replaced, by InMemoryCampaigns.
 */
import { credentials, Metadata, type ServiceError } from "@grpc/grpc-js";
import type { Producer } from "kafkajs";
import { AnalyticsServiceClient } from "../../../gen/tally/analytics/v1/analytics.js";
import { createTokenService, type Role } from "../../common/src/auth.js";
import type { CampaignInfo } from "../../common/src/clients/campaign-service-client.js";
import { createDb, migrate, type Knex } from "../../common/src/db.js";
import type { GrpcServer } from "../../common/src/grpc-server.js";
import { createKafka, ensureTopics, topicConfigs, topicNames } from "../../common/src/kafka.js";
import { createMetrics, type Metrics } from "../../common/src/metrics.js";
import { createRedis, type Redis } from "../../common/src/redis.js";
import { createTestDatabase, testLogger, type TestDatabase } from "../../../test/support/stack.js";
import { startAggregator } from "../src/aggregator/wire.js";
import type { AnalyticsConfig } from "../src/config.js";
import type { CampaignLookup } from "../src/domain/insights.js";
import type { CampaignDirectory } from "../src/domain/performance.js";
import { createServer } from "../src/server.js";
import { createServices } from "../src/services.js";
import { ANALYTICS_SCHEMA, migrations } from "../src/store/migrations.js";
import { adEvent, batchMessages, platformReport, reportMessage, stopList, testConfig, testNames, type TestNames } from "./support.js";

export const TENANT = "tenant-1";

/** The campaign service, as far as analytics needs it. */
export class InMemoryCampaigns implements CampaignLookup, CampaignDirectory {
  private readonly campaigns = new Map<string, CampaignInfo>();

  add(c: Omit<CampaignInfo, "status" | "name" | "tenantId"> & { tenantId?: string; name?: string }): void {
    const tenantId = c.tenantId ?? TENANT;
    this.campaigns.set(`${tenantId}/${c.id}`, { name: c.id, ...c, tenantId, status: "ACTIVE" });
  }

  async get(tenantId: string, campaignId: string): Promise<CampaignInfo | null> {
    return this.campaigns.get(`${tenantId}/${campaignId}`) ?? null;
  }

  async list(tenantId: string): Promise<CampaignInfo[]> {
    return [...this.campaigns.values()].filter((c) => c.tenantId === tenantId);
  }
}

type Callback<Res> = (err: ServiceError | null, res: Res) => void;
type UnaryMethod<Req, Res> = (req: Req, md: Metadata, cb: Callback<Res>) => unknown;

export interface Harness {
  names: TestNames;
  config: AnalyticsConfig;
  db: Knex;
  redis: Redis;
  client: AnalyticsServiceClient;
  campaigns: InMemoryCampaigns;
  /** The aggregator's Prometheus registry (dead letters, flush failures). */
  aggregatorMetrics: Metrics;
  /** Produces tracked events (tenant TENANT unless given) to ad-events, one batch message per campaign. */
  produce(events: Parameters<typeof adEvent>[0][]): Promise<void>;
  /** Produces platform report rows (tenant TENANT unless given) to ad-events. */
  produceReports(reports: Parameters<typeof platformReport>[0][]): Promise<void>;
  rawCount(campaignId: string): Promise<number>;
  metadata(tenantId?: string, role?: Role): Promise<Metadata>;
  /** Calls a unary method as a user of the tenant. */
  unary<Req, Res>(method: (c: AnalyticsServiceClient) => UnaryMethod<Req, Res>, req: Req, tenantId?: string, role?: Role): Promise<Res>;
  stop(): Promise<void>;
}

export async function startHarness(label: string): Promise<Harness> {
  const logger = testLogger(label);
  const names = testNames(label);
  const topics = topicNames(names.topicPrefix);
  const stops = stopList();
  const database: TestDatabase = await createTestDatabase();
  stops.onStop("database", () => database.drop());
  const config = testConfig(database.url, names);
  const db = createDb({ url: database.url, schema: ANALYTICS_SCHEMA });
  stops.onStop("db", () => db.destroy());
  await migrate(db, ANALYTICS_SCHEMA, migrations);
  const redis = createRedis(config.redisUrl, logger, config.redisKeyPrefix);
  stops.onStop("redis", async () => void (await redis.quit()));

  const kafka = createKafka({ brokers: config.kafkaBrokers, clientId: label, logger });
  await ensureTopics(kafka, topicConfigs(topics));
  const producer: Producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  stops.onStop("producer", () => producer.disconnect());
  const aggregatorMetrics = createMetrics("aggregator");
  await startAggregator(config, { logger, metrics: aggregatorMetrics, onStop: stops.onStop });

  const campaigns = new InMemoryCampaigns();
  const tokens = createTokenService({ secret: config.jwtSecret });
  const subscriber = createRedis(config.redisUrl, logger, config.redisKeyPrefix);
  stops.onStop("redis subscriber", async () => void (await subscriber.quit()));
  const services = createServices(config, { db, redis, subscriber, campaigns, directory: campaigns, logger });
  const server: GrpcServer = createServer({ logger, tokens, metrics: createMetrics("analytics"), ...services });
  const port = await server.listen("127.0.0.1", 0);
  stops.onStop("server", () => server.shutdown(1000));
  stops.onStop("live streams", () => services.live.close());
  const client = new AnalyticsServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
  stops.onStop("client", () => client.close());

  const metadata = async (tenantId = TENANT, role: Role = "VIEWER") => {
    const { token } = await tokens.issueUserToken({ tenantId, userId: `${role.toLowerCase()}-1`, role });
    const md = new Metadata();
    md.set("authorization", `Bearer ${token}`);
    return md;
  };
  return {
    names,
    config,
    db,
    redis,
    client,
    campaigns,
    aggregatorMetrics,
    metadata,
    async produce(events) {
      // As ingestion publishes: one batch message per campaign.
      await producer.send({ topic: topics.adEvents, messages: batchMessages(events.map((e) => adEvent({ tenantId: TENANT, ...e }))) });
    },
    async produceReports(reports) {
      await producer.send({ topic: topics.adEvents, messages: reports.map((r) => reportMessage(platformReport({ tenantId: TENANT, ...r }))) });
    },
    async rawCount(campaignId) {
      return Number((await db.raw("SELECT count(*) AS n FROM raw_events WHERE campaign_id = ?", [campaignId])).rows[0].n);
    },
    async unary(method, req, tenantId, role) {
      const md = await metadata(tenantId, role);
      return new Promise((resolve, reject) => method(client).call(client, req, md, (err, res) => (err ? reject(err) : resolve(res))));
    },
    stop: () => stops.stopAll(),
  };
}
