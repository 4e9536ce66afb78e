/** Starts the real campaign process (wire.ts) on port 0 against a fresh database and a unique topic prefix. */
import { CampaignServiceClient } from "#gen/tally/campaign/v1/campaign_service.js";
import { IdentityServiceClient } from "#gen/tally/identity/v1/identity.js";
import type { Logger } from "#common/logger.js";
import { createMetrics } from "#common/metrics.js";
import { createTestDatabase, stack, testLogger, uniqueName } from "../../../test/support/stack.js";
import { connect } from "../../../test/support/grpc.js";
import { loadConfig } from "../src/config.js";
import { wire } from "../src/wire.js";

/** `logger`: a test that reads the logs passes its own (createLogger with a destination); `env`: more TALLY_* settings. */
export async function startCampaignHarness(opts: { logger?: Logger; env?: Record<string, string> } = {}) {
  const database = await createTestDatabase();
  const config = loadConfig({
    TALLY_MODE: "development",
    TALLY_JWT_SECRET: stack.jwtSecret,
    TALLY_PG_URL: database.url,
    TALLY_KAFKA_BROKERS: stack.kafkaBrokers.join(","),
    TALLY_KAFKA_TOPIC_PREFIX: uniqueName("test.") + ".",
    TALLY_REDIS_URL: stack.redisUrl,
    // Rate-limit buckets only; they expire on their own within seconds of the last call.
    TALLY_REDIS_KEY_PREFIX: `${uniqueName("camptest")}:`,
    TALLY_CAMPAIGN_HOST: "127.0.0.1",
    TALLY_CAMPAIGN_PORT: "0",
    TALLY_CAMPAIGN_METRICS_PORT: "0",
    TALLY_OUTBOX_POLL_MS: "20",
    TALLY_SHUTDOWN_GRACE_MS: "1000",
    ...opts.env,
  });
  const running = await wire(config, { logger: opts.logger ?? testLogger("campaign"), metrics: createMetrics("campaign-test") });
  const campaigns = connect(CampaignServiceClient, running.port);
  const identity = connect(IdentityServiceClient, running.port);
  return {
    port: running.port,
    db: running.db,
    kafka: running.kafka,
    topics: running.topics,
    tokens: running.tokens,
    campaigns,
    identity,
    async stop() {
      campaigns.close();
      identity.close();
      await running.stop();
      await database.drop();
    },
  };
}
