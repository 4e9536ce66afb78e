/**
 * The campaign process, built and started from its config: the one wiring that main.ts and the
 * service tests share. Parts start in dependency order and stop in reverse: the gRPC server first
 * (in-flight calls finish), then Redis, metrics, the outbox relay, the Kafka producer, Postgres.
 */
import type { Kafka } from "kafkajs";
import { CachedApiKeyVerifier } from "#common/api-keys/cached-api-key-verifier.js";
import { createTokenService, type TokenService } from "#common/auth.js";
import { GrpcCampaignSpendClient } from "#common/clients/campaign-spend-client.js";
import { createPageTokens } from "#common/contract/page-token.js";
import { createDb, migrate, type Knex } from "#common/db.js";
import type { GrpcServer } from "#common/grpc-server.js";
import { createKafka, createProducer, ensureTopics, topicConfigs, topicNames, type TopicNames } from "#common/kafka.js";
import { createLogger, type Logger } from "#common/logger.js";
import { createMetrics, startMetricsServer, type Metrics } from "#common/metrics.js";
import { ShutdownSequence } from "#common/process-shutdown.js";
import { createRateLimiter } from "#common/rate-limit/redis-rate-limiter.js";
import { createRedis } from "#common/redis.js";
import { startTracing, type Tracing } from "#common/tracing.js";
import type { CampaignConfig } from "./config.js";
import { createApiKeyService } from "./domain/api-keys.js";
import { createCampaignService } from "./domain/campaign-service.js";
import { createConversionActionService } from "./domain/conversion-actions.js";
import { createSpendReader, type SpendSource } from "./domain/campaign-spend.js";
import { createIdentityService } from "./domain/identity-service.js";
import { encodeCampaignEvent } from "./outbox/campaign-event-encoder.js";
import { countUnpublished, createOutboxMetrics, OutboxRelay } from "./outbox/outbox-relay.js";
import { createServer } from "./server.js";
import { PgApiKeyStore } from "./store/api-key-store.js";
import { PgCampaignStore } from "./store/campaign-store.js";
import { PgConversionActionStore } from "./store/conversion-action-store.js";
import { PgIdentityStore } from "./store/identity-store.js";
import { CAMPAIGN_SCHEMA, migrations } from "./store/migrations.js";

/** What a caller may replace; main.ts passes only its logger. */
export interface CampaignOverrides {
  logger?: Logger;
  /** Tests pass their own registry, labelled with their own service name. */
  metrics?: Metrics;
  /** By default from config.tracing. The caller shuts down its own. */
  tracing?: Tracing;
  /** Analytics' GetCampaignSpend; by default the gRPC client at config.analyticsAddr. */
  spendSource?: SpendSource;
}

export interface CampaignProcess {
  server: GrpcServer;
  /** The bound gRPC port: config.port, or the one picked for port 0. */
  port: number;
  metricsPort: number;
  /** Stops every part in reverse start order; safe to call twice. */
  stop(): Promise<void>;
  /** Parts the service tests look into. */
  db: Knex;
  kafka: Kafka;
  topics: TopicNames;
  tokens: TokenService;
}

const OUTBOX_BATCH_SIZE = 500;

export async function wire(config: Readonly<CampaignConfig>, overrides: CampaignOverrides = {}): Promise<CampaignProcess> {
  const logger = overrides.logger ?? createLogger("campaign", config.logLevel);
  const parts = new ShutdownSequence(logger);
  try {
    // First in, last out: the spans of everything stopping after it are still exported.
    const tracing = overrides.tracing ?? startTracing("campaign", config.tracing);
    if (!overrides.tracing) parts.onStop("tracing", () => tracing.shutdown());
    const db = createDb({ url: config.pgUrl, schema: CAMPAIGN_SCHEMA, applicationName: "tally-campaign" });
    parts.onStop("postgres", () => db.destroy());
    await migrate(db, CAMPAIGN_SCHEMA, migrations);

    const topics = topicNames(config.kafkaTopicPrefix);
    const kafka = createKafka({ brokers: config.kafkaBrokers, clientId: "tally-campaign", logger });
    await ensureTopics(kafka, topicConfigs(topics));
    const producer = createProducer(kafka);
    await producer.connect();
    parts.onStop("kafka producer", () => producer.disconnect());

    const pageTokens = createPageTokens(config.jwtSecret);
    // API keys live here; this process verifies them from its own store, through the same 1 s
    // cache as the other services (which ask ApiKeyVerificationService).
    const apiKeyStore = new PgApiKeyStore(db);
    let verifier: CachedApiKeyVerifier | undefined;
    const apiKeys = createApiKeyService({
      store: apiKeyStore,
      lookup: apiKeyStore,
      pageTokens,
      onRecordUseError: (err) => logger.warn({ err }, "could not record an API key's last use"),
      onRevoked: (id) => verifier?.forgetKey(id),
    });
    verifier = new CachedApiKeyVerifier({ lookup: (hash) => apiKeys.verify(hash) }, { ttlMs: config.apiKeyCacheTtlMs });
    const tokens = createTokenService({ secret: config.jwtSecret, userTokenTtlSeconds: config.tokenTtlSeconds, apiKeys: verifier });
    const campaigns = createCampaignService({ store: new PgCampaignStore(db, topics.campaignEvents, encodeCampaignEvent), pageTokens });
    const identity = createIdentityService({ store: new PgIdentityStore(db), tokens });
    const conversionActions = createConversionActionService({ store: new PgConversionActionStore(db), pageTokens });
    let spendSource = overrides.spendSource;
    if (!spendSource) {
      const client = new GrpcCampaignSpendClient(config.analyticsAddr, tokens, "campaign", config.spendTimeoutMs);
      parts.onStop("analytics spend client", () => client.close());
      spendSource = client;
    }
    const spend = createSpendReader(spendSource, { cacheMs: config.spendCacheMs, pauseAfterFailureMs: Math.min(config.spendCacheMs, 1000) });

    const metrics = overrides.metrics ?? createMetrics("campaign");
    const outboxMetrics = createOutboxMetrics(metrics, () => countUnpublished(db));
    const relay = new OutboxRelay(
      db,
      producer,
      logger.child({ component: "outbox-relay" }),
      { pollMs: config.outboxPollMs, batchSize: OUTBOX_BATCH_SIZE },
      outboxMetrics,
    );
    relay.start();
    parts.onStop("outbox relay", () => relay.stop());

    const metricsServer = await startMetricsServer(metrics, config.metricsPort, logger);
    parts.onStop("metrics server", () => metricsServer.close());

    // Redis holds the rate-limit buckets only; a Redis outage lets calls through (fail open).
    const redis = createRedis(config.redisUrl, logger, config.redisKeyPrefix);
    parts.onStop("redis", async () => void (await redis.quit()));
    const limiter = createRateLimiter(config, redis, logger, metrics);
    const server = createServer({ logger, metrics, tokens, campaigns, conversionActions, spend, identity, apiKeys, limiter, tracing });
    const port = await server.listen(config.host, config.port);
    parts.onStop("grpc server", () => server.shutdown(config.shutdownGraceMs));

    return { server, port, metricsPort: metricsServer.port, stop: () => parts.stop(), db, kafka, topics, tokens };
  } catch (err) {
    // A part that failed to start leaves nothing running behind it.
    await parts.stop();
    throw err;
  }
}
