import { createTokenService } from "../../common/src/auth.js";
import { createPageTokens } from "../../common/src/contract/page-token.js";
import { createDb, migrate } from "../../common/src/db.js";
import { createKafka, createProducer, ensureTopics, topicConfigs, topicNames } from "../../common/src/kafka.js";
import { runMain } from "../../common/src/process-shutdown.js";
import { createLogger } from "../../common/src/logger.js";
import { createMetrics, startMetricsServer } from "../../common/src/metrics.js";
import { loadConfig } from "./config.js";
import { createCampaignService } from "./domain/campaign-service.js";
import { createIdentityService } from "./domain/identity-service.js";
import { OutboxRelay } from "./outbox/outbox-relay.js";
import { encodeCampaignEvent } from "./outbox/campaign-event-encoder.js";
import { createServer } from "./server.js";
import { PgCampaignStore } from "./store/campaign-store.js";
import { PgIdentityStore } from "./store/identity-store.js";
import { migrations, SCHEMA } from "./store/migrations.js";

const config = loadConfig(process.env);
const logger = createLogger("campaign", config.logLevel);

await runMain(logger, async (shutdown) => {
  const db = createDb({ url: config.pgUrl, schema: SCHEMA, applicationName: "tally-campaign" });
  shutdown.onStop("postgres", () => db.destroy());
  await migrate(db, SCHEMA, migrations);

  const topics = topicNames(config.kafkaTopicPrefix);
  const kafka = createKafka({ brokers: config.kafkaBrokers, clientId: "tally-campaign", logger });
  await ensureTopics(kafka, topicConfigs(topics));
  const producer = createProducer(kafka);
  await producer.connect();
  shutdown.onStop("kafka producer", () => producer.disconnect());

  const tokens = createTokenService({ secret: config.jwtSecret, userTokenTtlSeconds: config.tokenTtlSeconds });
  const campaigns = createCampaignService({ store: new PgCampaignStore(db, topics.campaignEvents, encodeCampaignEvent), pageTokens: createPageTokens(config.jwtSecret) });
  const identity = createIdentityService({ store: new PgIdentityStore(db), tokens });

  const relay = new OutboxRelay(db, producer, logger.child({ component: "outbox-relay" }), { pollMs: config.outboxPollMs, batchSize: 500 });
  relay.start();
  shutdown.onStop("outbox relay", () => relay.stop());

  const metrics = createMetrics("campaign");
  const metricsServer = await startMetricsServer(metrics, config.metricsPort, logger);
  shutdown.onStop("metrics server", () => metricsServer.close());

  const server = createServer({ logger, metrics, tokens, campaigns, identity });
  await server.listen(config.host, config.port);
  shutdown.onStop("grpc server", () => server.shutdown());
});
