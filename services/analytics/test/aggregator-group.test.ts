/**
 * Two aggregator processes in one consumer group split the six ad-events partitions; after one is
 * killed with SIGKILL the other takes all of them over (its session is 6 s: consumer.ts
 * GROUP_TIMING), and the totals stay exact: what the dead one had read but not committed is read
 * again from the offsets stored in Postgres, and nothing it had committed is applied twice.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { after, before, it } from "node:test";
import { AssignerProtocol, type Admin, type Producer } from "kafkajs";
import { createDb, type Knex } from "#common/db.js";
import { createKafka, ensureTopics, topicConfigs, topicNames } from "#common/kafka.js";
import { createTestDatabase, stack, testLogger, type TestDatabase } from "../../../test/support/stack.js";
import { ANALYTICS_SCHEMA } from "../src/store/migrations.js";
import { adEvent, eventually, eventMessage, testNames } from "./support.js";

const PARTITIONS = [0, 1, 2, 3, 4, 5];
const names = testNames("agrp");
const topics = topicNames(names.topicPrefix);
let database: TestDatabase;
let db: Knex;
let admin: Admin;
let producer: Producer;
const children: ChildProcess[] = [];

function startAggregator(): ChildProcess {
  const child = spawn(process.execPath, ["--max-old-space-size=192", "--import", "tsx", "services/analytics/src/aggregator/main.ts"], {
    env: {
      ...process.env,
      TALLY_MODE: "development",
      TALLY_LOG_LEVEL: process.env.TALLY_TEST_LOG ?? "warn",
      TALLY_PG_URL: database.url,
      TALLY_REDIS_URL: stack.redisUrl,
      TALLY_KAFKA_BROKERS: stack.kafkaBrokers.join(","),
      TALLY_KAFKA_TOPIC_PREFIX: names.topicPrefix,
      TALLY_REDIS_KEY_PREFIX: names.redisPrefix,
      TALLY_AGGREGATOR_GROUP: names.group,
      TALLY_AGGREGATOR_FLUSH_MS: "100",
      TALLY_AGGREGATOR_METRICS_PORT: "0",
      TALLY_JWT_SECRET: stack.jwtSecret,
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  children.push(child);
  return child;
}

/** Partitions per live group member, by member id. */
async function assignments(): Promise<Map<string, number[]>> {
  const { groups } = await admin.describeGroups([names.group]);
  const group = groups[0]!;
  const out = new Map<string, number[]>();
  if (group.state !== "Stable") return out;
  for (const m of group.members) {
    const decoded = AssignerProtocol.MemberAssignment.decode(m.memberAssignment);
    out.set(m.memberId, [...(decoded?.assignment[topics.adEvents] ?? [])].sort());
  }
  return out;
}

/** `perPartition` new impressions on every partition, campaign camp-<partition>. */
async function produceRound(perPartition: number): Promise<void> {
  const messages = PARTITIONS.flatMap((p) =>
    Array.from({ length: perPartition }, () => eventMessage(adEvent({ tenantId: "t-group", campaignId: `camp-${p}` }), p)),
  );
  await producer.send({ topic: topics.adEvents, messages });
}

async function impressionsPerCampaign(): Promise<Record<string, number>> {
  const { rows } = await db.raw(
    "SELECT campaign_id, sum(impressions)::int AS n FROM rollups WHERE tenant_id = 't-group' GROUP BY campaign_id ORDER BY campaign_id",
  );
  return Object.fromEntries((rows as { campaign_id: string; n: number }[]).map((r) => [r.campaign_id, r.n]));
}

const expected = (n: number) => Object.fromEntries(PARTITIONS.map((p) => [`camp-${p}`, n]));

before(async () => {
  database = await createTestDatabase();
  const kafka = createKafka({ brokers: stack.kafkaBrokers, clientId: "aggregator-group-test", logger: testLogger() });
  await ensureTopics(kafka, topicConfigs(topics));
  admin = kafka.admin();
  await admin.connect();
  producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  db = createDb({ url: database.url, schema: ANALYTICS_SCHEMA });
});

after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  await producer?.disconnect();
  await admin?.disconnect();
  await db?.destroy();
  await database?.drop();
});

it("splits the partitions between two aggregators, and one takes all over after the other is killed, with exact totals", { timeout: 120_000 }, async () => {
  const first = startAggregator();
  startAggregator();
  const split = await eventually(
    async () => {
      const a = await assignments();
      return a.size === 2 && [...a.values()].every((p) => p.length > 0) ? a : null;
    },
    60_000,
    "two members sharing the partitions",
  );
  assert.deepEqual([...split.values()].flat().sort(), PARTITIONS, "every partition assigned to exactly one member");
  assert.ok(
    [...split.values()].every((p) => p.length === 3),
    `3 partitions each: ${JSON.stringify([...split.values()])}`,
  );

  await produceRound(50);
  await eventually(async () => JSON.stringify(await impressionsPerCampaign()) === JSON.stringify(expected(50)), 30_000, "round 1 applied by both");

  // Kill one while a second round arrives on all partitions: the dead member's half waits for its
  // session to expire, then the survivor reads it from the offsets stored in Postgres.
  first.kill("SIGKILL");
  const killedAt = Date.now();
  await produceRound(70);
  const takeover = await eventually(
    async () => {
      const a = await assignments();
      return a.size === 1 && [...a.values()][0]!.length === 6 ? a : null;
    },
    60_000,
    "the survivor owning all six partitions",
  );
  assert.deepEqual([...takeover.values()][0], PARTITIONS);
  await eventually(async () => JSON.stringify(await impressionsPerCampaign()) === JSON.stringify(expected(120)), 60_000, "round 2 applied by the survivor");
  const tookMs = Date.now() - killedAt;
  assert.ok(tookMs < 30_000, `took over within 30 s (6 s session + rebalance), took ${tookMs} ms`);

  // Exact, and stays so: no late double application once the dead member's session is gone.
  await produceRound(1);
  await eventually(async () => JSON.stringify(await impressionsPerCampaign()) === JSON.stringify(expected(121)), 30_000, "one more round");
  const { rows } = await db.raw("SELECT count(*)::int AS n, count(DISTINCT event_id)::int AS d FROM raw_events WHERE tenant_id = 't-group'");
  assert.deepEqual(rows[0], { n: 726, d: 726 });
});
