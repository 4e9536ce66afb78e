/**
 * The use cases of the insights API built over their stores and caches. wire.ts passes the real
 * campaign-service adapters; service tests pass in-memory ones. Nothing here opens a connection.
 */
import { createPageTokens } from "#common/contract/page-token.js";
import type { Knex } from "#common/db.js";
import { topicNames } from "#common/kafka.js";
import type { Logger } from "#common/logger.js";
import type { Metrics } from "#common/metrics.js";
import type { Redis } from "#common/redis.js";
import { RedisCampaignSignals } from "./signals/campaign-signals.js";
import { CachedCampaignLookup } from "./cache/cached-campaign-lookup.js";
import { createInsightsCacheMetrics, RedisInsightsCache } from "./cache/insights-cache.js";
import { RedisLiveUpdates } from "./signals/live-updates.js";
import type { AnalyticsConfig } from "./config.js";
import { createCampaignSpendService } from "./domain/campaign-spend.js";
import { createInsightsService, type CampaignLookup } from "./domain/insights.js";
import { createLiveMetricsService } from "./domain/live-metrics.js";
import { createPerformanceService, type CampaignDirectory } from "./domain/performance.js";
import { createReaggregateService } from "./domain/reaggregate.js";
import { createSourceComparisonService } from "./domain/source-comparison.js";
import type { ServerDeps } from "./server.js";
import { PgOffsetStore } from "./store/offset-store.js";
import { PgRollupRebuilder } from "./store/rebuild-store.js";
import { PgInsightsReader } from "./store/insights-query.js";
import { PgTotalsReader } from "./store/totals-query.js";

export interface ServiceAdapters {
  db: Knex;
  redis: Redis;
  /** A Redis connection of its own for pub/sub (live streams). */
  subscriber: Redis;
  /** The campaign service's lookup; cached in-process here. */
  campaigns: CampaignLookup;
  directory: CampaignDirectory;
  logger: Logger;
  /** The process registry: the insights cache counts its lookups there. */
  metrics?: Metrics;
}

export type AnalyticsServices = Pick<ServerDeps, "insights" | "performance" | "live" | "reaggregate" | "comparison" | "spend">;

export function createServices(config: AnalyticsConfig, adapters: ServiceAdapters): AnalyticsServices {
  const { db, redis, directory, logger } = adapters;
  const campaigns = new CachedCampaignLookup(adapters.campaigns, config.campaignCacheMs);
  const freshness = new PgOffsetStore(db, config.aggregatorGroup, topicNames(config.kafkaTopicPrefix).adEvents);
  const rollups = new PgInsightsReader(db);
  const insights = createInsightsService({
    campaigns,
    rollups,
    cache: new RedisInsightsCache(
      redis,
      config.insightsCacheTtlSeconds,
      logger.child({ component: "insights-cache" }),
      Date.now,
      adapters.metrics && createInsightsCacheMetrics(adapters.metrics),
    ),
    freshness,
    logger: logger.child({ component: "insights" }),
  });
  const totals = new PgTotalsReader(db);
  const performance = createPerformanceService({
    campaigns,
    directory,
    totals,
    freshness,
    pageTokens: createPageTokens(config.jwtSecret),
    logger: logger.child({ component: "performance" }),
  });
  const updates = new RedisLiveUpdates(adapters.subscriber, config.redisKeyPrefix, logger.child({ component: "live-updates" }));
  const live = createLiveMetricsService({ campaigns, totals, freshness, updates, logger: logger.child({ component: "live" }) });
  const signals = new RedisCampaignSignals(redis, config.redisKeyPrefix, logger.child({ component: "signals" }));
  const reaggregate = createReaggregateService({ campaigns, rebuilder: new PgRollupRebuilder(db), signals });
  const comparison = createSourceComparisonService({ campaigns, rollups, freshness, logger: logger.child({ component: "source-comparison" }) });
  const spend = createCampaignSpendService({ totals });
  return { insights, performance, live, reaggregate, comparison, spend };
}
