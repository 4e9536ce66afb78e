/**
 * Redis comes back empty (a restart: Redis runs without persistence) while Postgres keeps every
 * event. The next insights answer must equal Postgres, also for campaigns cached before.
 * "Came back empty" is simulated by deleting every key under this file's own Redis prefix: the
 * shared Redis must not be flushed or restarted.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { GetCampaignInsightsRequest, Granularity, type GetCampaignInsightsResponse } from "#gen/tally/analytics/v1/analytics.js";
import { EventType } from "#gen/tally/events/v1/events.js";
import { createRedis } from "#common/redis.js";
import { testLogger } from "../../../test/support/stack.js";
import { startHarness, TENANT, type Harness } from "./harness.js";
import { eventually } from "./support.js";

let h: Harness;
const DAY = "2025-03-11";
const at = (hhmm: string) => new Date(`${DAY}T${hhmm}:00Z`);
const req = (campaignId: string) =>
  GetCampaignInsightsRequest.fromPartial({ campaignId, startDate: DAY, endDate: DAY, granularity: Granularity.GRANULARITY_TOTAL });

async function totals(campaignId: string) {
  const res = await h.unary<GetCampaignInsightsRequest, GetCampaignInsightsResponse>((c) => c.getCampaignInsights, req(campaignId));
  return { impressions: res.totals!.impressions, clicks: res.totals!.clicks };
}

/** What Postgres holds for the campaign, summed over its rollups. */
async function stored(campaignId: string) {
  const { rows } = await h.db.raw(
    "SELECT coalesce(sum(impressions), 0)::text AS impressions, coalesce(sum(clicks), 0)::text AS clicks FROM rollups WHERE tenant_id = ? AND campaign_id = ?",
    [TENANT, campaignId],
  );
  return { impressions: rows[0].impressions as string, clicks: rows[0].clicks as string };
}

/** Every key under this test's prefix deleted, as if Redis had restarted empty. */
async function emptyRedis(): Promise<number> {
  const raw = createRedis(h.config.redisUrl, testLogger("redis-wipe")); // no keyPrefix: SCAN sees full names
  try {
    let cursor = "0";
    let deleted = 0;
    do {
      const [next, keys] = await raw.scan(cursor, "MATCH", `${h.names.redisPrefix}*`, "COUNT", 500);
      cursor = next;
      if (keys.length > 0) deleted += await raw.del(...keys);
    } while (cursor !== "0");
    return deleted;
  } finally {
    await raw.quit();
  }
}

/** One click per flush, the answer queried after each: four generations cached on the way. */
async function clickFourTimes(campaignId: string, from: number): Promise<void> {
  for (let i = 1; i <= 4; i += 1) {
    await h.produce([{ campaignId, occurTime: at(`10:0${i}`), type: EventType.EVENT_TYPE_CLICK }]);
    const want = String(from + i);
    await eventually(async () => (await totals(campaignId)).clicks === want, 10_000, `${want} clicks through the cache`);
  }
}

before(async () => {
  h = await startHarness("rrst");
  h.campaigns.add({ id: "camp-clicks", currencyCode: "EUR", timeZone: "UTC" });
  h.campaigns.add({ id: "camp-quiet", currencyCode: "EUR", timeZone: "UTC" });
});

after(() => h?.stop());

describe("insights after Redis came back empty", () => {
  it("answers what Postgres holds, not an answer cached for an earlier generation", async () => {
    // camp-quiet: cached with data before the restart, no new data after it.
    await h.produce([
      { campaignId: "camp-quiet", occurTime: at("09:00") },
      { campaignId: "camp-quiet", occurTime: at("09:01") },
    ]);
    await eventually(async () => (await totals("camp-quiet")).impressions === "2", 10_000, "camp-quiet applied");

    // camp-clicks: queried while empty, then one click per flush, queried after each.
    assert.deepEqual(await totals("camp-clicks"), { impressions: "0", clicks: "0" });
    await clickFourTimes("camp-clicks", 0);
    assert.deepEqual(await stored("camp-clicks"), { impressions: "0", clicks: "4" });

    assert.ok((await emptyRedis()) > 0, "the test's keys existed and were deleted");

    // A generation counter would start again from 0 here and find the answer cached for it: 0 clicks.
    assert.deepEqual(await totals("camp-clicks"), { impressions: "0", clicks: "4" });
    assert.deepEqual(await totals("camp-clicks"), { impressions: "0", clicks: "4" }, "and again, now from the cache");
    assert.deepEqual(await totals("camp-quiet"), { impressions: "2", clicks: "0" });
    assert.deepEqual(await stored("camp-quiet"), { impressions: "2", clicks: "0" });

    // New data after the restart: the aggregator's first changes in the empty Redis are seen too
    // (a counter would be at 1..4 again, each matching an answer cached before).
    await clickFourTimes("camp-clicks", 4);
    assert.deepEqual(await stored("camp-clicks"), { impressions: "0", clicks: "8" });
    assert.deepEqual(await totals("camp-clicks"), { impressions: "0", clicks: "8" });
  });
});
