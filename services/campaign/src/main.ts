/**
 * Composition root of the campaign process (tally.campaign.v1.CampaignService + IdentityService).
 * Run: node --import tsx services/campaign/src/main.ts
 */
import { createLogger } from "#common/logger.js";
import { runMain } from "#common/process-shutdown.js";
import { loadConfig } from "./config.js";
import { wire } from "./wire.js";

const config = loadConfig(process.env);
const logger = createLogger("campaign", config.logLevel);

await runMain(logger, async (shutdown) => {
  const campaign = await wire(config, { logger });
  shutdown.onStop("campaign service", () => campaign.stop());
});
