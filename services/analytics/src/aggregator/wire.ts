/**
 * Builds and starts the aggregator's parts in order, registering each one's stop as it starts
 * (stops run in reverse). main.ts and the service tests share this wiring.
 */
import { Partitioners } from "kafkajs";
import { createDb, migrate } from "../../../common/src/db.js";
import { createKafka, ensureTopics, topicConfigs, topicNames } from "../../../common/src/kafka.js";
import type { Logger } from "../../../common/src/logger.js";
import type { Metrics } from "../../../common/src/metrics.js";
import { createRedis } from "../../../common/src/redis.js";
import { RedisCampaignSignals } from "../signals/campaign-signals.js";
import type { AnalyticsConfig } from "../config.js";
import { ANALYTICS_SCHEMA, migrations } from "../store/migrations.js";
import { PgOffsetStore } from "../store/offset-store.js";
import { createAggregatorMetrics } from "./aggregator-metrics.js";
import { KafkaAggregator } from "./consumer.js";
import { KafkaDeadLetterSink } from "./dead-letter.js";
import { startFreshnessTick } from "./freshness-tick.js";
import { createFlush } from "./flush.js";

export type OnStop = (name: string, stop: () => Promise<void> | void) => void;

export interface AggregatorDeps {
  logger: Logger;
  metrics: Metrics;
  onStop: OnStop;
  onFatal?: (err: unknown) => void;
}

export async function startAggregator(config: AnalyticsConfig, deps: AggregatorDeps): Promise<KafkaAggregator> {
  const { logger, metrics, onStop } = deps;
  const topics = topicNames(config.kafkaTopicPrefix);

  const db = createDb({ url: config.pgUrl, schema: ANALYTICS_SCHEMA, poolMax: 4, applicationName: "analytics-aggregator" });
  onStop("postgres", () => db.destroy());
  await migrate(db, ANALYTICS_SCHEMA, migrations);

  const redis = createRedis(config.redisUrl, logger, config.redisKeyPrefix);
  onStop("redis", async () => void (await redis.quit()));

  const kafka = createKafka({ brokers: config.kafkaBrokers, clientId: "analytics-aggregator", logger });
  await ensureTopics(kafka, topicConfigs(topics));
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  onStop("dead-letter producer", () => producer.disconnect());
  const admin = kafka.admin();
  await admin.connect();
  onStop("kafka admin", () => admin.disconnect());

  const offsets = new PgOffsetStore(db, config.aggregatorGroup, topics.adEvents);
  const flush = createFlush({
    db,
    offsets,
    deadLetters: new KafkaDeadLetterSink(producer, topics.adEvents, topics.adEventsDeadLetter),
    signals: new RedisCampaignSignals(redis, config.redisKeyPrefix, logger.child({ component: "signals" })),
    metrics: createAggregatorMetrics(metrics),
    logger: logger.child({ component: "flush" }),
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
    onFatal: deps.onFatal,
  });
  await aggregator.start();
  onStop("consumer", () => aggregator.stop());

  const tick = startFreshnessTick({ admin, topic: topics.adEvents, offsets, intervalMs: config.aggregatorFreshnessMs, logger });
  onStop("freshness tick", () => tick.stop());
  return aggregator;
}
