/** Starts a real campaign server on port 0 against a fresh database and a unique topic prefix. */
import { createTokenService } from "../../common/src/auth.js";
import { createPageTokens } from "../../common/src/contract/page-token.js";
import { createDb, migrate } from "../../common/src/db.js";
import { createKafka, createProducer, ensureTopics, topicConfigs, topicNames } from "../../common/src/kafka.js";
import { createMetrics } from "../../common/src/metrics.js";
import { CampaignServiceClient } from "../../../gen/tally/campaign/v1/campaign_service.js";
import { IdentityServiceClient } from "../../../gen/tally/identity/v1/identity.js";
import { createTestDatabase, stack, testLogger, uniqueName } from "../../../test/support/stack.js";
import { connect } from "../../../test/support/grpc.js";
import { createCampaignService } from "../src/domain/campaign-service.js";
import { createIdentityService } from "../src/domain/identity-service.js";
import { OutboxRelay } from "../src/outbox/outbox-relay.js";
import { encodeCampaignEvent } from "../src/outbox/campaign-event-encoder.js";
import { createServer } from "../src/server.js";
import { PgCampaignStore } from "../src/store/campaign-store.js";
import { PgIdentityStore } from "../src/store/identity-store.js";
import { migrations, SCHEMA } from "../src/store/migrations.js";

export async function startCampaignHarness() {
  const database = await createTestDatabase();
  const logger = testLogger("campaign");
  const db = createDb({ url: database.url, schema: SCHEMA, poolMax: 5 });
  await migrate(db, SCHEMA, migrations);
  const topics = topicNames(uniqueName("test.") + ".");
  const kafka = createKafka({ brokers: stack.kafkaBrokers, clientId: "campaign-test", logger });
  await ensureTopics(kafka, topicConfigs(topics));
  const producer = createProducer(kafka);
  await producer.connect();
  const tokens = createTokenService({ secret: stack.jwtSecret });
  const relay = new OutboxRelay(db, producer, logger, { pollMs: 20, batchSize: 100 });
  relay.start();
  const server = createServer({
    logger,
    metrics: createMetrics("campaign-test"),
    tokens,
    campaigns: createCampaignService({ store: new PgCampaignStore(db, topics.campaignEvents, encodeCampaignEvent), pageTokens: createPageTokens(stack.jwtSecret) }),
    identity: createIdentityService({ store: new PgIdentityStore(db), tokens }),
  });
  const port = await server.listen("127.0.0.1", 0);
  const campaigns = connect(CampaignServiceClient, port);
  const identity = connect(IdentityServiceClient, port);
  return {
    port,
    db,
    kafka,
    topics,
    tokens,
    campaigns,
    identity,
    async stop() {
      campaigns.close();
      identity.close();
      await server.shutdown(1000);
      await relay.stop();
      await producer.disconnect();
      await db.destroy();
      await database.drop();
    },
  };
}
