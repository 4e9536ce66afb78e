/**
 * One test file's analytics stack: a fresh database, its own topics and Redis keys, the real
 * aggregator on real Kafka, and the insights server on port 0, both built by the processes' own
 * wire functions. The campaign service is the one dependency replaced, by InMemoryCampaigns.
 */
import { credentials, Metadata, type ServiceError } from "@grpc/grpc-js";
import type { Producer } from "kafkajs";
import { AnalyticsServiceClient } from "#gen/tally/analytics/v1/analytics.js";
import { createTokenService, type Role } from "#common/auth.js";
import type { CampaignInfo } from "#common/clients/campaign-service-client.js";
import { createDb, type Knex } from "#common/db.js";
import { createKafka, topicNames } from "#common/kafka.js";
import type { Metrics } from "#common/metrics.js";
import { createRedis, type Redis } from "#common/redis.js";
import { createTestDatabase, testLogger, type TestDatabase } from "../../../test/support/stack.js";
import { wireAggregator } from "../src/aggregator/wire.js";
import type { AnalyticsConfig } from "../src/config.js";
import type { CampaignLookup } from "../src/domain/insights.js";
import type { CampaignDirectory } from "../src/domain/performance.js";
import { ANALYTICS_SCHEMA } from "../src/store/migrations.js";
import { wireInsightsApi } from "../src/wire.js";
import { adEvent, batchMessages, platformReport, reportMessage, stopList, testConfig, testNames, type TestNames } from "./support.js";

export const TENANT = "tenant-1";

/** The campaign service, as far as analytics needs it. */
export class InMemoryCampaigns implements CampaignLookup, CampaignDirectory {
  private readonly campaigns = new Map<string, CampaignInfo>();

  /** A campaign of the tenant (TENANT unless given); the budget defaults to 1,000,000 units of currency. */
  add(c: Omit<CampaignInfo, "status" | "name" | "tenantId"> & { tenantId?: string; name?: string }): void {
    const tenantId = c.tenantId ?? TENANT;
    this.campaigns.set(`${tenantId}/${c.id}`, { name: c.id, budgetMicros: "1000000000000", ...c, tenantId, status: "ACTIVE" });
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
  /** The insights API's gRPC port (AnalyticsService and the internal CampaignSpendService). */
  port: number;
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

  // The two analytics processes, wired exactly as their main.ts wires them.
  const campaigns = new InMemoryCampaigns();
  const aggregator = await wireAggregator(config, logger, { campaigns });
  stops.onStop("aggregator", () => aggregator.stop());
  const api = await wireInsightsApi(config, logger, { campaigns });
  stops.onStop("insights api", () => api.stop());

  // The test's own connections: to produce events and to look at what was stored.
  const db = createDb({ url: database.url, schema: ANALYTICS_SCHEMA });
  stops.onStop("db", () => db.destroy());
  const redis = createRedis(config.redisUrl, logger, config.redisKeyPrefix);
  stops.onStop("redis", async () => void (await redis.quit()));
  const kafka = createKafka({ brokers: config.kafkaBrokers, clientId: label, logger });
  const producer: Producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  stops.onStop("producer", () => producer.disconnect());
  const tokens = createTokenService({ secret: config.jwtSecret });
  const client = new AnalyticsServiceClient(`127.0.0.1:${api.port}`, credentials.createInsecure());
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
    port: api.port,
    campaigns,
    aggregatorMetrics: aggregator.metrics,
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
