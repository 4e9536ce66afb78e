import { createTokenService } from "../../common/src/auth.js";
import { GrpcCampaignLookup } from "../../common/src/campaign-client.js";
import { createKafka, ensureTopics, topicConfigs, topicNames } from "../../common/src/kafka.js";
import { runMain } from "../../common/src/process-shutdown.js";
import { createLogger } from "../../common/src/logger.js";
import { createMetrics, startMetricsServer } from "../../common/src/metrics.js";
import { createRedis } from "../../common/src/redis.js";
import { CampaignCacheInvalidator } from "./campaigns/campaign-cache-invalidator.js";
import { RedisCachedCampaignLookup } from "./campaigns/redis-cached-campaign-lookup.js";
import { loadConfig } from "./config.js";
import { RedisEventDedup } from "./dedup/redis-event-dedup.js";
import { createBotFilter } from "./domain/bot-filter.js";
import { createIngestEvents } from "./domain/ingest-events.js";
import { KafkaEventPublisher } from "./publish/kafka-event-publisher.js";
import { createServer } from "./server.js";

const config = loadConfig(process.env);
const logger = createLogger("ingestion", config.logLevel);

// Parts start in dependency order; the shutdown sequence stops them in reverse: the gRPC server first (in-flight
// calls finish, so every send() has resolved), then the consumers, the producer, Redis, metrics.
await runMain(logger, async (shutdown) => {
  const metrics = createMetrics("ingestion");
  const metricsServer = await startMetricsServer(metrics, config.metricsPort, logger);
  shutdown.onStop("metrics server", () => metricsServer.close());

  const redis = createRedis(config.redisUrl, logger, config.redisKeyPrefix);
  shutdown.onStop("redis", async () => void (await redis.quit()));

  const topics = topicNames(config.kafkaTopicPrefix);
  const kafka = createKafka({ brokers: config.kafkaBrokers, clientId: "tally-ingestion", logger });
  await ensureTopics(kafka, topicConfigs(topics));
  const publisher = new KafkaEventPublisher(kafka, topics.adEvents, logger);
  await publisher.connect();
  shutdown.onStop("kafka producer", () => publisher.disconnect());

  const tokens = createTokenService({ secret: config.jwtSecret });
  const campaignService = new GrpcCampaignLookup(config.campaignAddr, tokens, "ingestion", config.campaignLookupTimeoutMs);
  shutdown.onStop("campaign client", () => campaignService.close());
  // The server opens without waiting for the invalidator to join its group (after a kill -9 that
  // waits out the dead member's session): until it has caught up, lookups bypass the cache and ask
  // the campaign service, so a deleted campaign is refused at once from the first request on.
  let invalidator: CampaignCacheInvalidator | undefined;
  const campaigns = new RedisCachedCampaignLookup(
    redis,
    campaignService,
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
  shutdown.onStop("campaign cache invalidator", () => invalidator.stop());

  const ingest = createIngestEvents({
    campaigns,
    dedup: new RedisEventDedup(redis, { pendingTtlMs: config.dedupPendingTtlMs, acceptedTtlMs: config.dedupTtlMs }, logger),
    publisher,
    botFilter: createBotFilter({ deniedIps: config.botDenyIps }),
    rules: { lateDataWindowDays: config.lateDataWindowDays, maxBatch: config.maxBatch },
  });

  const server = createServer({ logger, tokens, metrics, ingest });
  await server.listen(config.host, config.port);
  shutdown.onStop("grpc server", () => server.shutdown(config.shutdownGraceMs));
});
