/**
 * Measures how long a restarted aggregator takes to aggregate again after kill -9 (issue 5):
 * runs aggregator/main.ts with its own database, topics and group, lets it aggregate, kills it
 * with SIGKILL, starts it again at once, then produces one event to every partition and times
 * until all of them are in raw_events. Not a test (it takes a while): run by hand with
 *   node --import tsx services/analytics/test/measure-resume.ts [rounds]
 * Prints one JSON line per round.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createDb } from "#common/db.js";
import { createKafka, ensureTopics, topicConfigs, topicNames } from "#common/kafka.js";
import { createTestDatabase, stack, testLogger } from "../../../test/support/stack.js";
import { adEvent, eventMessage, testNames } from "./support.js";

const rounds = Number(process.argv[2] ?? 3);
const names = testNames("resume");
const topics = topicNames(names.topicPrefix);
const database = await createTestDatabase();
const env = {
  ...process.env,
  TALLY_MODE: "development",
  TALLY_LOG_LEVEL: process.env.TALLY_TEST_LOG ?? "warn",
  TALLY_PG_URL: database.url,
  TALLY_REDIS_URL: stack.redisUrl,
  TALLY_KAFKA_BROKERS: stack.kafkaBrokers.join(","),
  TALLY_KAFKA_TOPIC_PREFIX: names.topicPrefix,
  TALLY_REDIS_KEY_PREFIX: names.redisPrefix,
  TALLY_AGGREGATOR_GROUP: names.group,
  TALLY_AGGREGATOR_METRICS_PORT: "0",
  TALLY_JWT_SECRET: stack.jwtSecret,
};
const kafka = createKafka({ brokers: stack.kafkaBrokers, clientId: "measure-resume", logger: testLogger() });
await ensureTopics(kafka, topicConfigs(topics));
const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
await producer.connect();
const db = createDb({ url: database.url, schema: "analytics" });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function startAggregator(): ChildProcess {
  return spawn(process.execPath, ["--import", "tsx", "services/analytics/src/aggregator/main.ts"], { env, stdio: ["ignore", "ignore", "inherit"] });
}

/** One event per partition; resolves with the ms until all are in raw_events. */
async function probe(label: string, timeoutMs = 120_000): Promise<number> {
  const started = Date.now();
  const events = Array.from({ length: 6 }, (_, p) => adEvent({ tenantId: `probe-${label}`, campaignId: `c-${p}` }));
  await producer.send({ topic: topics.adEvents, messages: events.map((e, p) => eventMessage(e, p)) });
  for (;;) {
    const n = await db.raw("SELECT count(*)::int AS n FROM raw_events WHERE tenant_id = ?", [`probe-${label}`]).then(
      (r) => r.rows[0].n as number,
      () => 0,
    );
    if (n === 6) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`probe ${label}: ${n}/6 after ${timeoutMs} ms`);
    await sleep(100);
  }
}

let child = startAggregator();
await probe("warm-up");
for (let round = 1; round <= rounds; round++) {
  await sleep(3000); // heartbeats established, as in steady state
  child.kill("SIGKILL");
  const killedAt = Date.now();
  child = startAggregator();
  await sleep(50);
  const probeMs = await probe(`round-${round}`);
  console.log(JSON.stringify({ round, resumeSecondsAfterKill: (Date.now() - killedAt) / 1000, probeMs }));
}
child.kill("SIGTERM");
await new Promise((r) => child.once("exit", r));
await producer.disconnect();
await db.destroy();
await database.drop();
