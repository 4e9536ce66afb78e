/**
 * Composition root of the ingestion process (tally.ingestion.v1.IngestionService).
 * Run: node --import tsx services/ingestion/src/main.ts
 */
import { createLogger } from "#common/logger.js";
import { runMain } from "#common/process-shutdown.js";
import { loadConfig } from "./config.js";
import { wire } from "./wire.js";

const config = loadConfig(process.env);
const logger = createLogger("ingestion", config.logLevel);

await runMain(logger, async (shutdown) => {
  const ingestion = await wire(config, { logger });
  shutdown.onStop("ingestion service", () => ingestion.stop());
});
