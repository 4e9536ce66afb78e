/**
 * Composition root of the aggregator process: ad-events → exact rollups in Postgres.
 * Run: node --import tsx services/analytics/src/aggregator/main.ts
 */
import { createLogger } from "../../../common/src/logger.js";
import { runMain } from "../../../common/src/process-shutdown.js";
import { createMetrics, startMetricsServer } from "../../../common/src/metrics.js";
import { loadConfig } from "../config.js";
import { startAggregator } from "./aggregator-app.js";

const config = loadConfig(process.env);
const logger = createLogger("analytics-aggregator", config.logLevel);

await runMain(logger, async (lifecycle) => {
  const metrics = createMetrics("analytics-aggregator");
  const metricsServer = await startMetricsServer(metrics, config.aggregatorMetricsPort, logger);
  lifecycle.onStop("metrics server", () => metricsServer.close());

  await startAggregator(config, {
    logger,
    metrics,
    onStop: (name, stop) => lifecycle.onStop(name, stop),
    onFatal: (err) => {
      logger.fatal({ err }, "the aggregator cannot go on; leaving the group and shutting down");
      void lifecycle.stop().then(() => process.exit(1));
    },
  });
  // Every exit we control leaves the Kafka group (consumer.disconnect in the lifecycle's stops), so
  // the partitions move at once instead of after the session timeout; SIGINT/SIGTERM are handled by
  // runMain, and a bug that escapes everything else ends here.
  process.once("uncaughtException", (err) => {
    logger.fatal({ err }, "uncaught exception; leaving the group and shutting down");
    void lifecycle.stop().then(() => process.exit(1));
  });
  logger.info({ group: config.aggregatorGroup, flushMs: config.aggregatorFlushMs }, "aggregator running");
});
