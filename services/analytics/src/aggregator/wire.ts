/**
 * The aggregator process (ad-events → exact rollups in Postgres), wired from its config: the
 * metrics server, Postgres, Redis, Kafka (dead-letter producer, admin, consumer) and the freshness
 * tick. main.ts and the service tests both call wireAggregator. Parts stop in reverse start order
 * (the consumer leaves its group before Postgres closes); a failed start stops what started.
 */
import { createDb, migrate } from "#common/db.js";
import { createKafka, createProducer, ensureTopics, topicConfigs, topicNames } from "#common/kafka.js";
import { ShutdownSequence } from "#common/process-shutdown.js";
import type { Logger } from "#common/logger.js";
import { createMetrics, startMetricsServer, type Metrics } from "#common/metrics.js";
import { createRedis } from "#common/redis.js";
import { startTracing, type Tracing } from "#common/tracing.js";
import type { AnalyticsConfig } from "../config.js";
import { RedisCampaignSignals } from "../signals/campaign-signals.js";
import { ANALYTICS_SCHEMA, migrations } from "../store/migrations.js";
import { PgOffsetStore } from "../store/offset-store.js";
import { createAggregatorMetrics } from "./aggregator-metrics.js";
import { KafkaAggregator } from "./consumer.js";
import { KafkaDeadLetterSink } from "./dead-letter.js";
import { createFlush } from "./flush.js";
import { startFreshnessTick } from "./freshness-tick.js";

export interface AggregatorOptions {
  /** Called when the consumer cannot go on (main.ts stops the process). */
  onFatal?: (err: unknown) => void;
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

    const offsets = new PgOffsetStore(db, config.aggregatorGroup, topics.adEvents);
    const aggregatorMetrics = createAggregatorMetrics(metrics);
    const flush = createFlush({
      db,
      offsets,
      deadLetters: new KafkaDeadLetterSink(producer, topics.adEvents, topics.adEventsDeadLetter),
      signals: new RedisCampaignSignals(redis, config.redisKeyPrefix, logger.child({ component: "signals" })),
      metrics: aggregatorMetrics,
      logger: logger.child({ component: "flush" }),
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
