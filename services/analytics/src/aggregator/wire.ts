/**
 * The aggregator process (ad-events → exact rollups in Postgres), wired from its config: the
 * metrics server, Postgres (and raw event retention), Redis, Kafka (dead-letter producer, admin,
 * consumer) and the freshness tick. main.ts and the service tests both call wireAggregator. Parts stop in reverse start order
 * (the consumer leaves its group before Postgres closes); a failed start stops what started.
 */
import { createTokenService } from "#common/auth.js";
import { GrpcCampaignServiceClient } from "#common/clients/campaign-service-client.js";
import { createDb, migrate } from "#common/db.js";
import { createKafka, createProducer, ensureTopics, topicConfigs, topicNames } from "#common/kafka.js";
import { ShutdownSequence } from "#common/process-shutdown.js";
import type { Logger } from "#common/logger.js";
import { createMetrics, startMetricsServer, type Metrics } from "#common/metrics.js";
import { createRedis } from "#common/redis.js";
import { startTracing, type Tracing } from "#common/tracing.js";
import type { AnalyticsConfig } from "../config.js";
import { CachedCampaignLookup } from "../cache/cached-campaign-lookup.js";
import type { CampaignLookup } from "../domain/insights.js";
import { RedisCampaignSignals } from "../signals/campaign-signals.js";
import { ANALYTICS_SCHEMA, migrations } from "../store/migrations.js";
import { PgOffsetStore } from "../store/offset-store.js";
import { PgPacingStore } from "../store/pacing-store.js";
import { PgTotalsReader } from "../store/totals-query.js";
import { PgRawEventRetention } from "../store/raw-event-retention.js";
import { createAggregatorMetrics } from "./aggregator-metrics.js";
import { KafkaAggregator } from "./consumer.js";
import { KafkaDeadLetterSink } from "./dead-letter.js";
import { createFlush } from "./flush.js";
import { startFreshnessTick } from "./freshness-tick.js";
import { PacingMonitor } from "./pacing-monitor.js";
import { startRetentionTimer } from "./retention-timer.js";

/** How often budget checks left over (campaign service down, a crash) are retried. */
const PACING_RETRY_MS = 5_000;

export interface AggregatorOptions {
  /** Called when the consumer cannot go on (main.ts stops the process). */
  onFatal?: (err: unknown) => void;
  /** Replaces the campaign service (budgets for pacing); tests only. */
  campaigns?: CampaignLookup;
  /** By default from config.tracing. The caller shuts down its own. */
  tracing?: Tracing;
}

export interface Aggregator {
  aggregator: KafkaAggregator;
  /** The process's Prometheus registry (dead letters, flush failures, duplicates). */
  metrics: Metrics;
  stop(): Promise<void>;
}

export async function wireAggregator(config: AnalyticsConfig, logger: Logger, options: AggregatorOptions = {}): Promise<Aggregator> {
  const parts = new ShutdownSequence(logger);
  try {
    // First in, last out: the final flush's span (the consumer stops later) is still exported.
    const tracing = options.tracing ?? startTracing("analytics-aggregator", config.tracing);
    if (!options.tracing) parts.onStop("tracing", () => tracing.shutdown());
    const metrics = createMetrics("analytics-aggregator");
    const metricsServer = await startMetricsServer(metrics, config.aggregatorMetricsPort, logger);
    parts.onStop("metrics server", () => metricsServer.close());

    const topics = topicNames(config.kafkaTopicPrefix);
    const db = createDb({ url: config.pgUrl, schema: ANALYTICS_SCHEMA, poolMax: 4, applicationName: "analytics-aggregator" });
    parts.onStop("postgres", () => db.destroy());
    await migrate(db, ANALYTICS_SCHEMA, migrations);

    const retention = await startRetentionTimer({
      retention: new PgRawEventRetention(db, config.rawEventRetentionDays, logger.child({ component: "retention" })),
      intervalMs: config.retentionIntervalMs,
      logger,
    });
    parts.onStop("raw event retention", () => retention.stop());

    const redis = createRedis(config.redisUrl, logger, config.redisKeyPrefix);
    parts.onStop("redis", async () => void (await redis.quit()));

    const kafka = createKafka({ brokers: config.kafkaBrokers, clientId: "analytics-aggregator", logger });
    await ensureTopics(kafka, topicConfigs(topics));
    const producer = createProducer(kafka);
    await producer.connect();
    parts.onStop("dead-letter producer", () => producer.disconnect());
    const admin = kafka.admin();
    await admin.connect();
    parts.onStop("kafka admin", () => admin.disconnect());

    const remote = options.campaigns ?? campaignClient(config, parts);
    const pacing = new PacingMonitor({
      store: new PgPacingStore(db),
      campaigns: new CachedCampaignLookup(remote, config.campaignCacheMs),
      totals: new PgTotalsReader(db),
      producer,
      topic: topics.campaignEvents,
      intervalMs: PACING_RETRY_MS,
      logger: logger.child({ component: "pacing" }),
    });

    const offsets = new PgOffsetStore(db, config.aggregatorGroup, topics.adEvents);
    const aggregatorMetrics = createAggregatorMetrics(metrics);
    const flush = createFlush({
      db,
      offsets,
      deadLetters: new KafkaDeadLetterSink(producer, topics.adEvents, topics.adEventsDeadLetter),
      signals: new RedisCampaignSignals(redis, config.redisKeyPrefix, logger.child({ component: "signals" })),
      metrics: aggregatorMetrics,
      logger: logger.child({ component: "flush" }),
      pacing,
      topic: topics.adEvents,
      tracing,
    });
    const aggregator = new KafkaAggregator({
      kafka,
      topic: topics.adEvents,
      groupId: config.aggregatorGroup,
      flushMs: config.aggregatorFlushMs,
      maxBufferMessages: config.aggregatorMaxBufferMessages,
      flush,
      offsets,
      logger: logger.child({ component: "consumer" }),
      // Stops this process's parts itself: a fatal error can come before wireAggregator returns,
      // when main.ts has not registered the aggregator's stop yet.
      onFatal: (err) => void parts.stop().finally(() => options.onFatal?.(err)),
    });
    pacing.start();
    // Stopped after the consumer (reverse order); checks left over run at the next start.
    parts.onStop("budget pacing", () => pacing.stop());
    await aggregator.start();
    parts.onStop("consumer", () => aggregator.stop());

    const tick = startFreshnessTick({ admin, topic: topics.adEvents, offsets, intervalMs: config.aggregatorFreshnessMs, logger, lag: aggregatorMetrics.lag });
    parts.onStop("freshness tick", () => tick.stop());
    return { aggregator, metrics, stop: () => parts.stop() };
  } catch (err) {
    await parts.stop();
    throw err;
  }
}

function campaignClient(config: AnalyticsConfig, parts: ShutdownSequence): GrpcCampaignServiceClient {
  const client = new GrpcCampaignServiceClient(config.campaignAddr, createTokenService({ secret: config.jwtSecret }), "analytics-aggregator");
  parts.onStop("campaign client", () => client.close());
  return client;
}
