import { IngestionServiceClient, type AdEvent } from "#gen/tally/ingestion/v1/ingestion.js";
import { callMetadata, createClient, unaryCall } from "#common/grpc-client.js";
import { runMain } from "#common/process-shutdown.js";
import { createLogger } from "#common/logger.js";
import { loadSimulatorConfig } from "./simulator-config.js";
import { createTrafficGenerator } from "./traffic.js";
import { TrafficSender } from "./traffic-sender.js";

const config = loadSimulatorConfig(process.env);
const logger = createLogger("simulator", config.logLevel);

await runMain(logger, async (shutdown) => {
  const client = createClient(IngestionServiceClient, config.ingestionAddr, "tally.ingestion.v1.IngestionService");
  shutdown.onStop("ingestion client", () => client.close());

  const generator = createTrafficGenerator({ seed: config.seed, campaignIds: config.campaignIds });
  const metadata = callMetadata(config.token);
  const send = (events: AdEvent[]) => unaryCall(client.ingestEvents.bind(client), { events }, metadata, 10_000);
  const sender = new TrafficSender(generator, send, config, logger);
  shutdown.onStop("traffic sender", () => sender.stop());

  logger.info({ addr: config.ingestionAddr, rate: config.rate, campaigns: config.campaignIds.length, seed: config.seed }, "simulator started");
  sender.start().catch(async (err: unknown) => {
    logger.fatal(
      { code: (err as { code?: number }).code, message: (err as Error).message },
      "ingestion refused the simulator; check TALLY_SIM_TOKEN and TALLY_SIM_CAMPAIGN_IDS",
    );
    await shutdown.stop();
    process.exit(1);
  });
});
