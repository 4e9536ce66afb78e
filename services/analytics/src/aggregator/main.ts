/**
 * Composition root of the aggregator process: ad-events → exact rollups in Postgres; the wiring
 * itself is wire.ts, shared with the service tests.
 * Run: node --import tsx services/analytics/src/aggregator/main.ts
 */
import { createLogger } from "#common/logger.js";
import { runMain } from "#common/process-shutdown.js";
import { loadConfig } from "../config.js";
import { wireAggregator } from "./wire.js";

const config = loadConfig(process.env);
const logger = createLogger("analytics-aggregator", config.logLevel);

await runMain(logger, async (lifecycle) => {
  const aggregator = await wireAggregator(config, logger, {
    onFatal: (err) => {
      logger.fatal({ err }, "the aggregator cannot go on; leaving the group and shutting down");
      void lifecycle.stop().then(() => process.exit(1));
    },
  });
  lifecycle.onStop("aggregator", () => aggregator.stop());
  // Every exit we control leaves the Kafka group (consumer.disconnect in the aggregator's stops), so
  // the partitions move at once instead of after the session timeout; SIGINT/SIGTERM are handled by
  // runMain, and a bug that escapes everything else ends here.
  process.once("uncaughtException", (err) => {
    logger.fatal({ err }, "uncaught exception; leaving the group and shutting down");
    void lifecycle.stop().then(() => process.exit(1));
  });
  logger.info({ group: config.aggregatorGroup, flushMs: config.aggregatorFlushMs }, "aggregator running");
});
