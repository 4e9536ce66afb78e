/**
 * Builds the insights gRPC server (health and reflection included): AnalyticsService and the
 * internal CampaignSpendService; main.ts or a test calls listen().
 */
import { AnalyticsServiceService } from "#gen/tally/analytics/v1/analytics.js";
import { CampaignSpendServiceService } from "#gen/tally/analytics/v1/campaign_spend.js";
import type { TokenService } from "#common/auth.js";
import { createGrpcServer, type GrpcServer } from "#common/grpc-server.js";
import type { Logger } from "#common/logger.js";
import type { Metrics } from "#common/metrics.js";
import type { RateLimiter } from "#common/rate-limit/rate-limit.js";
import { createRpcKit } from "#common/rpc.js";
import type { Tracing } from "#common/tracing.js";
import type { CampaignSpendService } from "./domain/campaign-spend.js";
import type { InsightsService } from "./domain/insights.js";
import type { LiveMetricsService } from "./domain/live-metrics.js";
import type { PerformanceService } from "./domain/performance.js";
import type { ReaggregateService } from "./domain/reaggregate.js";
import type { SourceComparisonService } from "./domain/source-comparison.js";
import { createAnalyticsRpc } from "./rpc/analytics-rpc.js";
import { campaignSpendRpc } from "./rpc/campaign-spend-rpc.js";
import { withResponsesEncodedOnce } from "./rpc/encoded-once.js";

export interface ServerDeps {
  logger: Logger;
  tokens: TokenService;
  metrics: Metrics;
  /** Per-credential rate limits; none when switched off. */
  limiter?: RateLimiter;
  insights: InsightsService;
  performance: PerformanceService;
  live: LiveMetricsService;
  reaggregate: ReaggregateService;
  comparison: SourceComparisonService;
  spend: CampaignSpendService;
  tracing?: Tracing;
}

export function createServer(deps: ServerDeps): GrpcServer {
  const kit = createRpcKit({ logger: deps.logger, tokens: deps.tokens, metrics: deps.metrics, limiter: deps.limiter, tracing: deps.tracing });
  return createGrpcServer({
    logger: deps.logger,
    services: [
      {
        name: "tally.analytics.v1.AnalyticsService",
        // Cached insights answers are served as the same objects again: encoded once each.
        definition: withResponsesEncodedOnce(AnalyticsServiceService, ["getCampaignInsights"]),
        implementation: createAnalyticsRpc({ kit, ...deps }),
      },
      {
        name: "tally.analytics.v1.CampaignSpendService",
        definition: CampaignSpendServiceService,
        implementation: campaignSpendRpc(kit, deps.spend),
      },
    ],
  });
}
