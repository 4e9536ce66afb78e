/**
 * The ingestion process, built and started from its config: the one wiring that main.ts and the
 * service tests share. Parts start in dependency order and stop in reverse: the gRPC server first
 * (in-flight calls finish, so every send() has resolved), then the consumers, the producer, Redis,
 * metrics.
 */
import { randomUUID } from "node:crypto";
import type { Kafka } from "kafkajs";
import { createPageTokens } from "#common/contract/page-token.js";
import { createDb, migrate, type Knex } from "#common/db.js";
import { createTokenServiceWithRemoteKeys } from "#common/api-keys/remote-api-keys.js";
import type { TokenService } from "#common/auth.js";
import { GrpcCampaignServiceClient } from "#common/clients/campaign-service-client.js";
import type { GrpcServer } from "#common/grpc-server.js";
import { createKafka, ensureTopics, topicConfigs, topicNames, type TopicNames } from "#common/kafka.js";
import { createLogger, type Logger } from "#common/logger.js";
import { createMetrics, startMetricsServer, type Metrics } from "#common/metrics.js";
import { ShutdownSequence } from "#common/process-shutdown.js";
import { createRateLimiter } from "#common/rate-limit/redis-rate-limiter.js";
import { createRedis } from "#common/redis.js";
import { startTracing, type Tracing } from "#common/tracing.js";
import { CampaignCacheInvalidator } from "./campaigns/campaign-cache-invalidator.js";
import { RedisCachedCampaignLookup, type CampaignSource } from "./campaigns/redis-cached-campaign-lookup.js";
import type { IngestionConfig } from "./config.js";
import { RedisEventDedup } from "./dedup/redis-event-dedup.js";
import { RedisClickCounter } from "./click-flood/redis-click-counter.js";
import { createBotFilter } from "./domain/bot-filter.js";
import { createClickFloodCheck } from "./domain/click-flood.js";
import { createIngestEvents } from "./domain/ingest-events.js";
import { AesGcmCredentialsCipher } from "./credentials/aes-gcm-credentials-cipher.js";
import { createFetchJobs } from "./domain/fetch-jobs.js";
import { createPlatformConnections } from "./domain/platform-connection.js";
import { createIngestPlatformReport } from "./domain/platform-report.js";
import { createSyncRunner, type CampaignDirectory, type SyncStore } from "./domain/platform-sync-runner.js";
import type { ReportSources } from "./domain/report-source.js";
import { KafkaEventPublisher } from "./publish/kafka-event-publisher.js";
import { createServer } from "./server.js";
import { connectorConfig } from "./connectors/connector-config.js";
import { createPlatformConnectors } from "./connectors/platform-connectors.js";
import { reportSourcesOf } from "./connectors/report-source-adapter.js";
import { PgConnectionStore } from "./store/connection-store.js";
import { PgFetchJobStore } from "./store/fetch-job-store.js";
import { INGESTION_SCHEMA, migrations } from "./store/migrations.js";
import { PlatformSyncWorker } from "./sync/platform-sync-worker.js";

/** What a caller may replace; main.ts passes only its logger. */
export interface IngestionOverrides {
  logger?: Logger;
  /** Tests pass their own registry, labelled with their own service name. */
  metrics?: Metrics;
  /** The campaign service (another team's process); by default a gRPC client of config.campaignAddr. */
  campaignSource?: CampaignSource;
  /** Every campaign of a tenant with its platform links, for scheduled syncs; by default the same gRPC client. */
  campaignDirectory?: CampaignDirectory;
  /** The ad platforms' report readers by platform slug; by default the four connectors, calling config.platformApis. */
  reportSources?: ReportSources;
  /** Tracing (tests: one with an in-memory exporter); by default from config.tracing. The caller shuts down its own. */
  tracing?: Tracing;
}

export interface IngestionProcess {
  server: GrpcServer;
  /** The bound gRPC port: config.port, or the one picked for port 0. */
  port: number;
  metricsPort: number;
  /** Stops every part in reverse start order; safe to call twice. */
  stop(): Promise<void>;
  /** Parts the service tests look into. */
  kafka: Kafka;
  topics: TopicNames;
  metrics: Metrics;
  dedup: RedisEventDedup;
  invalidator: CampaignCacheInvalidator;
  db: Knex;
  syncWorker: PlatformSyncWorker;
}

export async function wire(config: Readonly<IngestionConfig>, overrides: IngestionOverrides = {}): Promise<IngestionProcess> {
  const logger = overrides.logger ?? createLogger("ingestion", config.logLevel);
  const parts = new ShutdownSequence(logger);
  try {
    // First in, last out: the spans of everything stopping after it are still exported.
    const tracing = overrides.tracing ?? startTracing("ingestion", config.tracing);
    if (!overrides.tracing) parts.onStop("tracing", () => tracing.shutdown());
    const metrics = overrides.metrics ?? createMetrics("ingestion");
    const metricsServer = await startMetricsServer(metrics, config.metricsPort, logger);
    parts.onStop("metrics server", () => metricsServer.close());

    const db = createDb({ url: config.pgUrl, schema: INGESTION_SCHEMA, poolMax: 5, applicationName: "tally-ingestion" });
    parts.onStop("postgres", () => db.destroy());
    await migrate(db, INGESTION_SCHEMA, migrations);

    // The hot-path client (rate limiter and dedup claims): auto-pipelined; it never runs KEYS or SCAN.
    const redis = createRedis(config.redisUrl, logger, config.redisKeyPrefix, { autoPipelining: true });
    parts.onStop("redis", async () => void (await redis.quit()));

    const topics = topicNames(config.kafkaTopicPrefix);
    const kafka = createKafka({ brokers: config.kafkaBrokers, clientId: "tally-ingestion", logger });
    await ensureTopics(kafka, topicConfigs(topics));
    const publisher = new KafkaEventPublisher(kafka, topics.adEvents, logger, tracing);
    await publisher.connect();
    parts.onStop("kafka producer", () => publisher.disconnect());

    const keys = createTokenServiceWithRemoteKeys({
      secret: config.jwtSecret,
      campaignAddr: config.campaignAddr,
      callerService: "ingestion",
      cacheTtlMs: config.apiKeyCacheTtlMs,
    });
    parts.onStop("api key client", () => keys.close());
    const tokens = keys.tokens;
    const client = overrides.campaignSource && overrides.campaignDirectory ? null : grpcCampaignClient(config, tokens, parts);
    const campaignSource = overrides.campaignSource ?? client!;
    const campaignDirectory = overrides.campaignDirectory ?? client!;
    // The server opens without waiting for the invalidator to join its group (after a kill -9 that
    // waits out the dead member's session): until it has caught up, lookups bypass the cache and ask
    // the campaign service, so a deleted campaign is refused at once from the first request on.
    let invalidator: CampaignCacheInvalidator | undefined;
    const campaigns = new RedisCachedCampaignLookup(
      redis,
      campaignSource,
      {
        positiveTtlMs: config.campaignCacheTtlMs,
        negativeTtlMs: config.campaignNegativeCacheTtlMs,
        invalidationHoldMs: config.campaignLookupTimeoutMs + 5_000,
        trusted: () => invalidator?.isCaughtUp() ?? false,
      },
      logger,
    );
    invalidator = new CampaignCacheInvalidator(kafka, { topic: topics.campaignEvents, groupId: config.campaignCacheGroupId }, campaigns, logger);
    await invalidator.start();
    parts.onStop("campaign cache invalidator", () => invalidator.stop());

    const dedup = new RedisEventDedup(redis, { pendingTtlMs: config.dedupPendingTtlMs, acceptedTtlMs: config.dedupTtlMs }, logger);
    const ingest = createIngestEvents({
      campaigns,
      dedup,
      publisher,
      botFilter: createBotFilter({ deniedIps: config.botDenyIps }),
      clickFloods: createClickFloodCheck(new RedisClickCounter(redis, logger, metrics), {
        maxClicks: config.clickFloodMax,
        windowMs: config.clickFloodWindowMs,
      }),
      rules: { lateDataWindowDays: config.lateDataWindowDays, maxBatch: config.maxBatch },
    });

    const ingestReport = createIngestPlatformReport({
      campaigns,
      publisher,
      rules: { maxBatch: config.maxBatch, lateDataWindowDays: config.lateDataWindowDays },
    });
    const cipher = new AesGcmCredentialsCipher(config.credentialsKey, config.previousCredentialsKeys);
    const connectionStore = new PgConnectionStore(db);
    const jobStore = new PgFetchJobStore(db);
    const syncStore: SyncStore = {
      claimDueConnection: (owner, leaseMs) => connectionStore.claimDueConnection(owner, leaseMs),
      finishConnection: (tenantId, id, owner, result, refreshed) => connectionStore.finishConnection(tenantId, id, owner, result, refreshed),
      saveCredentials: (tenantId, id, sealed) => connectionStore.saveCredentials(tenantId, id, sealed),
      connectionsOf: (tenantId, platform) => connectionStore.connectionsOf(tenantId, platform),
      claimPendingJob: (owner, leaseMs) => jobStore.claimPendingJob(owner, leaseMs),
      finishJob: (job, owner) => jobStore.finishJob(job, owner),
    };
    const runner = createSyncRunner({
      store: syncStore,
      cipher,
      sources: overrides.reportSources ?? reportSourcesOf(createPlatformConnectors(connectorConfig(config.platformApis))),
      campaigns: campaignDirectory,
      ingest: ingestReport,
      rules: {
        intervalMs: config.platformSyncIntervalMs || 3_600_000,
        backoffBaseMs: config.platformBackoffBaseMs,
        backoffMaxMs: config.platformBackoffMaxMs,
        lookbackDays: config.platformLookbackDays,
        maxBatch: config.maxBatch,
      },
    });
    const syncWorker = new PlatformSyncWorker(
      syncStore,
      runner,
      { pollMs: config.platformWorkerPollMs, leaseMs: config.platformLeaseMs, scheduled: config.platformSyncIntervalMs > 0 },
      logger,
    );
    syncWorker.start();
    parts.onStop("platform sync worker", () => syncWorker.stop());

    const limiter = createRateLimiter(config, redis, logger, metrics);
    const server = createServer({
      logger,
      tokens,
      metrics,
      limiter,
      tracing,
      ingest,
      ingestReport,
      connections: createPlatformConnections({ store: connectionStore, cipher, newId: randomUUID }),
      jobs: createFetchJobs({ store: jobStore, campaigns, newId: randomUUID, wake: () => syncWorker.wake(), maxRangeDays: config.lateDataWindowDays }),
      pageTokens: createPageTokens(config.jwtSecret),
    });
    const port = await server.listen(config.host, config.port);
    parts.onStop("grpc server", () => server.shutdown(config.shutdownGraceMs));

    return { server, port, metricsPort: metricsServer.port, stop: () => parts.stop(), kafka, topics, metrics, dedup, invalidator, db, syncWorker };
  } catch (err) {
    // A part that failed to start leaves nothing running behind it.
    await parts.stop();
    throw err;
  }
}

function grpcCampaignClient(config: Readonly<IngestionConfig>, tokens: TokenService, parts: ShutdownSequence): GrpcCampaignServiceClient {
  const client = new GrpcCampaignServiceClient(config.campaignAddr, tokens, "ingestion", { getMs: config.campaignLookupTimeoutMs });
  parts.onStop("campaign client", () => client.close());
  return client;
}
