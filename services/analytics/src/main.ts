/**
 * Composition root of the insights API process (tally.analytics.v1.AnalyticsService).
 * Run: node --import tsx services/analytics/src/main.ts
 */
import { createTokenService } from "../../common/src/auth.js";
import { GrpcCampaignLookup } from "../../common/src/campaign-client.js";
import { createDb, migrate } from "../../common/src/db.js";
import { runMain } from "../../common/src/process-shutdown.js";
import { createLogger } from "../../common/src/logger.js";
import { createMetrics, startMetricsServer } from "../../common/src/metrics.js";
import { createRedis } from "../../common/src/redis.js";
import { GrpcCampaignDirectory } from "./campaigns/grpc-campaign-directory.js";
import { loadConfig } from "./config.js";
import { createServer } from "./server.js";
import { createServices } from "./services.js";
import { ANALYTICS_SCHEMA, migrations } from "./store/migrations.js";

const config = loadConfig(process.env);
const logger = createLogger("analytics", config.logLevel);

await runMain(logger, async (lifecycle) => {
  const metrics = createMetrics("analytics");

  const db = createDb({ url: config.pgUrl, schema: ANALYTICS_SCHEMA, poolMax: config.pgPoolMax, applicationName: "analytics" });
  lifecycle.onStop("postgres", () => db.destroy());
  await migrate(db, ANALYTICS_SCHEMA, migrations);

  const redis = createRedis(config.redisUrl, logger, config.redisKeyPrefix);
  lifecycle.onStop("redis", async () => void (await redis.quit()));
  const subscriber = createRedis(config.redisUrl, logger, config.redisKeyPrefix);
  lifecycle.onStop("redis subscriber", async () => void (await subscriber.quit()));

  const tokens = createTokenService({ secret: config.jwtSecret });
  const campaignService = new GrpcCampaignLookup(config.campaignAddr, tokens, "analytics");
  lifecycle.onStop("campaign client", () => campaignService.close());
  const directory = new GrpcCampaignDirectory(config.campaignAddr, tokens, "analytics");
  lifecycle.onStop("campaign directory client", () => directory.close());

  const services = createServices(config, { db, redis, subscriber, campaigns: campaignService, directory, logger });
  const server = createServer({ logger, tokens, metrics, ...services });
  await server.listen(config.host, config.port);
  lifecycle.onStop("grpc server", () => server.shutdown());
  // Stopped before the server (reverse order): open streams end instead of holding it open.
  lifecycle.onStop("live streams", () => services.live.close());

  const metricsServer = await startMetricsServer(metrics, config.metricsPort, logger);
  lifecycle.onStop("metrics server", () => metricsServer.close());
});
