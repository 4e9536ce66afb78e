/**
 * Composition root of the insights API process (tally.analytics.v1.AnalyticsService); the wiring
 * itself is wire.ts, shared with the service tests.
 * Run: node --import tsx services/analytics/src/main.ts
 */
import { runMain } from "#common/process-shutdown.js";
import { createLogger } from "#common/logger.js";
import { loadConfig } from "./config.js";
import { wireInsightsApi } from "./wire.js";

const config = loadConfig(process.env);
const logger = createLogger("analytics", config.logLevel);

await runMain(logger, async (lifecycle) => {
  const api = await wireInsightsApi(config, logger);
  lifecycle.onStop("insights api", () => api.stop());
});
