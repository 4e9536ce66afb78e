/**
 * The insights API process (tally.analytics.v1.AnalyticsService), wired from its config: Postgres,
 * Redis, the campaign-service client, the use cases, the gRPC server listening on config.host:port
 * and the metrics server. main.ts and the service tests both call wireInsightsApi; tests replace
 * only the campaign service. Parts stop in reverse start order; a failed start stops what started.
 */
import { createTokenServiceWithRemoteKeys } from "#common/api-keys/remote-api-keys.js";
import type { TokenService } from "#common/auth.js";
import { GrpcCampaignServiceClient } from "#common/clients/campaign-service-client.js";
import { createDb, migrate } from "#common/db.js";
import type { GrpcServer } from "#common/grpc-server.js";
import { ShutdownSequence } from "#common/process-shutdown.js";
import { startTracing, type Tracing } from "#common/tracing.js";
import type { Logger } from "#common/logger.js";
import { createMetrics, startMetricsServer } from "#common/metrics.js";
import { createRateLimiter } from "#common/rate-limit/redis-rate-limiter.js";
import { createRedis } from "#common/redis.js";
import type { AnalyticsConfig } from "./config.js";
import type { CampaignLookup } from "./domain/insights.js";
import type { CampaignDirectory } from "./domain/performance.js";
import { createServer } from "./server.js";
import { createServices } from "./services.js";
import { ANALYTICS_SCHEMA, migrations } from "./store/migrations.js";

/** What a test may replace: the campaign service, the one remote dependency of this process. */
export interface InsightsApiOverrides {
  campaigns?: CampaignLookup & CampaignDirectory;
  /** By default from config.tracing. The caller shuts down its own. */
  tracing?: Tracing;
}

export interface InsightsApi {
  server: GrpcServer;
  /** The bound gRPC port (config.port, or the one picked for port 0). */
  port: number;
  stop(): Promise<void>;
}

export async function wireInsightsApi(config: AnalyticsConfig, logger: Logger, overrides: InsightsApiOverrides = {}): Promise<InsightsApi> {
  const parts = new ShutdownSequence(logger);
  try {
    // First in, last out: the spans of everything stopping after it are still exported.
    const tracing = overrides.tracing ?? startTracing("analytics", config.tracing);
    if (!overrides.tracing) parts.onStop("tracing", () => tracing.shutdown());
    const metrics = createMetrics("analytics");

    const db = createDb({ url: config.pgUrl, schema: ANALYTICS_SCHEMA, poolMax: config.pgPoolMax, applicationName: "analytics" });
    parts.onStop("postgres", () => db.destroy());
    await migrate(db, ANALYTICS_SCHEMA, migrations);

    // The hot-path client (rate limiter and insights cache): auto-pipelined; it never runs KEYS or SCAN.
    const redis = createRedis(config.redisUrl, logger, config.redisKeyPrefix, { autoPipelining: true });
    parts.onStop("redis", async () => void (await redis.quit()));
    const subscriber = createRedis(config.redisUrl, logger, config.redisKeyPrefix);
    parts.onStop("redis subscriber", async () => void (await subscriber.quit()));

    const keys = createTokenServiceWithRemoteKeys({
      secret: config.jwtSecret,
      campaignAddr: config.campaignAddr,
      callerService: "analytics",
      cacheTtlMs: config.apiKeyCacheTtlMs,
    });
    parts.onStop("api key client", () => keys.close());
    const tokens = keys.tokens;
    const campaigns = overrides.campaigns ?? campaignServiceClient(config, tokens, parts);

    const services = createServices(config, { db, redis, subscriber, campaigns, directory: campaigns, logger, metrics });
    const limiter = createRateLimiter(config, redis, logger, metrics);
    const server = createServer({ logger, tokens, metrics, limiter, tracing, ...services });
    const port = await server.listen(config.host, config.port);
    parts.onStop("grpc server", () => server.shutdown(config.shutdownGraceMs));
    // Stopped before the server (reverse order): open streams end instead of holding it open.
    parts.onStop("live streams", () => services.live.close());

    const metricsServer = await startMetricsServer(metrics, config.metricsPort, logger);
    parts.onStop("metrics server", () => metricsServer.close());
    return { server, port, stop: () => parts.stop() };
  } catch (err) {
    await parts.stop();
    throw err;
  }
}

function campaignServiceClient(config: AnalyticsConfig, tokens: TokenService, parts: ShutdownSequence): GrpcCampaignServiceClient {
  const client = new GrpcCampaignServiceClient(config.campaignAddr, tokens, "analytics");
  parts.onStop("campaign client", () => client.close());
  return client;
}
