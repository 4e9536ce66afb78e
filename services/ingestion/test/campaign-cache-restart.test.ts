/**
 * An ingestion process restarts while a campaign changes: the campaign event is published while no
 * invalidator consumes, and Redis still holds the campaign as ACTIVE. The restarted process must
 * answer from the campaign service at once (not the stale entry), without waiting for its consumer
 * group, and trust the cache again only once the missed event has been applied.
 * Real Redis and Kafka; the campaign service is the in-memory FakeCampaignSource.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Kafka } from "kafkajs";
import { CampaignEvent, CampaignEventType } from "#gen/tally/events/v1/events.js";
import type { CampaignInfo } from "#common/clients/campaign-service-client.js";
import { createKafka, createProducer, ensureTopics, topicConfigs, topicNames } from "#common/kafka.js";
import { createRedis, type Redis } from "#common/redis.js";
import { stack, testLogger, uniqueName } from "../../../test/support/stack.js";
import { CampaignCacheInvalidator, type CampaignCache } from "../src/campaigns/campaign-cache-invalidator.js";
import { RedisCachedCampaignLookup } from "../src/campaigns/redis-cached-campaign-lookup.js";
import { FakeCampaignSource } from "./ingestion-harness.js";

const logger = testLogger("campaign-cache-restart");
const prefix = `${uniqueName("ccr")}.`;
const topics = topicNames(prefix);
const groupId = `${prefix}ingestion-campaign-cache`;
const TENANT = "tenant-r";
/** Short, so that the test can see caching resume after an invalidation. */
const HOLD_MS = 300;
let kafka: Kafka;
let redis: Redis;

const campaign = (status: CampaignInfo["status"]): CampaignInfo => ({ id: "cmp-r", tenantId: TENANT, name: "R", status, currencyCode: "EUR", timeZone: "UTC" });

/** One ingestion process's campaign cache: lookup, invalidator, and the invalidations it applied. */
function process(source: FakeCampaignSource) {
  const invalidated: string[] = [];
  let invalidator: CampaignCacheInvalidator | undefined = undefined;
  const lookup = new RedisCachedCampaignLookup(
    redis,
    source,
    { positiveTtlMs: 60_000, negativeTtlMs: 5_000, invalidationHoldMs: HOLD_MS, trusted: () => invalidator?.isCaughtUp() ?? false },
    logger,
  );
  const recording: CampaignCache = { invalidate: async (t, c) => void (invalidated.push(`${t}/${c}`), await lookup.invalidate(t, c)) };
  invalidator = new CampaignCacheInvalidator(kafka, { topic: topics.campaignEvents, groupId }, recording, logger);
  return { lookup, invalidator, invalidated };
}

async function until(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

before(async () => {
  kafka = createKafka({ brokers: stack.kafkaBrokers, clientId: "campaign-cache-restart", logger });
  await ensureTopics(kafka, topicConfigs(topics));
  redis = createRedis(stack.redisUrl, logger, `${prefix}:`);
});

after(async () => {
  await redis.del("campaign:tenant-r:cmp-r"); // the one key this file writes
  await redis.quit();
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: Object.values(topics) }).catch(() => undefined);
  await admin.deleteGroups([groupId]).catch(() => undefined);
  await admin.disconnect();
});

describe("campaign cache across an ingestion restart", () => {
  it("bypasses a stale cached campaign until the events missed while down are applied", async (t) => {
    const source = new FakeCampaignSource();
    source.put(campaign("ACTIVE"));

    // The first process: caught up, caches the campaign as ACTIVE, then goes away.
    const first = process(source);
    await first.invalidator.start();
    t.after(() => first.invalidator.stop());
    await until(() => first.invalidator.isCaughtUp(), "the first process caught up");
    assert.equal((await first.lookup.get(TENANT, "cmp-r"))?.status, "ACTIVE");
    await first.invalidator.stop();

    // While no ingestion process runs, the campaign is paused and its event published.
    source.put(campaign("PAUSED"));
    const producer = createProducer(kafka);
    await producer.connect();
    const paused = CampaignEvent.encode({
      eventId: uniqueName("ce-"),
      type: CampaignEventType.CAMPAIGN_EVENT_TYPE_PAUSED,
      tenantId: TENANT,
      campaign: undefined,
      occurTime: new Date(),
    }).finish();
    await producer.send({ topic: topics.campaignEvents, acks: -1, messages: [{ key: "cmp-r", value: Buffer.from(paused) }] });
    await producer.disconnect();
    assert.equal(JSON.parse((await redis.get("campaign:tenant-r:cmp-r"))!).status, "ACTIVE", "Redis still holds the stale entry");

    // The restarted process answers before its consumer has even joined, and answers right.
    const second = process(source);
    await second.invalidator.start();
    t.after(() => second.invalidator.stop());
    assert.equal(second.invalidator.isCaughtUp(), false);
    assert.equal((await second.lookup.get(TENANT, "cmp-r"))?.status, "PAUSED");

    // It catches up by applying the event published while it was down, then trusts the cache again.
    await until(() => second.invalidator.isCaughtUp(), "the restarted process caught up");
    assert.deepEqual(second.invalidated, [`${TENANT}/cmp-r`]);
    assert.equal(await redis.get("campaign:tenant-r:cmp-r"), "~", "the missed event replaced the entry by the invalidation marker");
    await new Promise((r) => setTimeout(r, HOLD_MS + 50));
    assert.equal((await second.lookup.get(TENANT, "cmp-r"))?.status, "PAUSED");
    source.down = true; // from here on only the cache can answer
    assert.equal((await second.lookup.get(TENANT, "cmp-r"))?.status, "PAUSED", "now served from the cache");
  });

  it("keeps a lookup that read the campaign before an invalidation from writing it back", async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((r) => (release = r));
    const source = new FakeCampaignSource();
    source.put({ ...campaign("ACTIVE"), id: "cmp-race" });
    const slow = {
      get: async (t: string, c: string) => {
        const answer = await source.get(t, c); // read before the deletion…
        await held; // …and written after the invalidation
        return answer;
      },
    };
    const lookup = new RedisCachedCampaignLookup(redis, slow, { positiveTtlMs: 60_000, negativeTtlMs: 5_000, invalidationHoldMs: 5_000 }, logger);
    const inFlight = lookup.get(TENANT, "cmp-race");
    await new Promise((r) => setTimeout(r, 50));
    source.campaigns.clear(); // deleted…
    await lookup.invalidate(TENANT, "cmp-race"); // …and its campaign event applied
    release();
    assert.equal((await inFlight)?.status, "ACTIVE", "the lookup itself answers what it read");
    assert.equal(await lookup.get(TENANT, "cmp-race"), null, "the next one sees the deletion");
    await redis.del("campaign:tenant-r:cmp-race");
  });
});
