/**
 * Raw event retention (store/raw-event-retention.ts): raw_events partitioned by receive day; a
 * day older than the window is dropped whole, with its de-duplication keys; rollups stay, so
 * insights do not change; de-duplication inside the window still holds across partitions; and
 * re-aggregation never rebuilds (erases) the days whose raw events are gone.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  GetCampaignInsightsRequest,
  Granularity,
  ReaggregateCampaignRequest,
  type GetCampaignInsightsResponse,
  type ReaggregateCampaignResponse,
} from "#gen/tally/analytics/v1/analytics.js";
import { createDb, migrate } from "#common/db.js";
import { createTestDatabase, testLogger } from "../../../test/support/stack.js";
import { ANALYTICS_SCHEMA, migrations } from "../src/store/migrations.js";
import { ensureDayPartitions, partitionName, PgRawEventRetention, RETENTION_LOCK, utcDay } from "../src/store/raw-event-retention.js";
import { startHarness, TENANT, type Harness } from "./harness.js";
import { eventually } from "./support.js";

const DAY_MS = 86_400_000;
const now = new Date();
const today = utcDay(now);
/** 100 days ago: past the 90-day window (and its extra day). */
const oldDay = utcDay(new Date(now.getTime() - 100 * DAY_MS));
const recentDay = utcDay(new Date(now.getTime() - 2 * DAY_MS));
const windowStart = utcDay(new Date(now.getTime() - 30 * DAY_MS));
const C = "c-retention";
let h: Harness;

async function impressions(startDate: string, endDate: string): Promise<string> {
  const res = await h.unary<GetCampaignInsightsRequest, GetCampaignInsightsResponse>(
    (c) => c.getCampaignInsights,
    GetCampaignInsightsRequest.fromPartial({ campaignId: C, startDate, endDate, granularity: Granularity.GRANULARITY_TOTAL }),
  );
  return res.totals!.impressions;
}

const count = async (sql: string, params: string[] = []) => Number((await h.db.raw(sql, params)).rows[0].n);
const exists = async (table: string) => (await h.db.raw("SELECT to_regclass(?) IS NOT NULL AS e", [table])).rows[0].e as boolean;

before(async () => {
  h = await startHarness("retn");
  h.campaigns.add({ id: C, currencyCode: "EUR", timeZone: "UTC" });
  // A day's partition from 100 days ago, as the aggregator would have created it then.
  assert.deepEqual(await ensureDayPartitions(h.db, [oldDay]), [partitionName(oldDay)]);
  const oldReceive = new Date(`${oldDay}T12:00:00Z`);
  await h.produce([1, 2, 3].map((i) => ({ campaignId: C, eventId: `old-${i}`, occurTime: new Date(`${oldDay}T11:0${i}:00Z`), receiveTime: oldReceive })));
  await h.produce([1, 2, 3, 4, 5].map((i) => ({ campaignId: C, eventId: `recent-${i}`, occurTime: new Date(`${recentDay}T10:0${i}:00Z`), receiveTime: now })));
  // Late data: received today, for the old day. Its raw event stays; the old day's others go.
  await h.produce([{ campaignId: C, eventId: "late-1", occurTime: new Date(`${oldDay}T11:30:00Z`), receiveTime: now }]);
  await eventually(async () => (await h.rawCount(C)) === 9, 20_000, "all nine events applied");
});

after(() => h?.stop());

describe("raw event retention", () => {
  it("drops the day partition past the window and its keys, and leaves insights unchanged", async () => {
    assert.equal(await count(`SELECT count(*) AS n FROM ${partitionName(oldDay)}`), 3, "the old events sit in their receive day's partition");
    assert.equal(await impressions(oldDay, oldDay), "4");
    assert.equal(await impressions(windowStart, today), "5");

    const outcome = await new PgRawEventRetention(h.db, 90, testLogger()).run(now);

    assert.equal(outcome.ran, true);
    assert.deepEqual(outcome.dropped, [partitionName(oldDay)]);
    assert.equal(outcome.keysDeleted, 3);
    assert.equal(outcome.horizon!.toISOString(), `${utcDay(new Date(now.getTime() - 91 * DAY_MS))}T00:00:00.000Z`);
    assert.equal(await exists(partitionName(oldDay)), false);
    assert.equal(await exists(partitionName(today)), true, "today's partition stays");
    assert.equal(await exists(partitionName(utcDay(new Date(now.getTime() + 3 * DAY_MS)))), true, "and the coming days' exist");
    assert.equal(await h.rawCount(C), 6, "the five recent events and the late one");
    assert.equal(await count("SELECT count(*) AS n FROM event_keys WHERE event_id LIKE 'old-%'"), 0);
    assert.equal(await count("SELECT count(*) AS n FROM event_keys WHERE event_id LIKE 'recent-%'"), 5);

    // Rollups are kept: the dropped day still reports its numbers, the window is unchanged (ranges
    // not asked before, so the answers come from Postgres, not from the cache).
    assert.equal(await impressions(utcDay(new Date(now.getTime() - 101 * DAY_MS)), oldDay), "4");
    assert.equal(await impressions(utcDay(new Date(now.getTime() - 31 * DAY_MS)), today), "5");
  });

  it("still counts a resend inside the window once: the key holds across receive-day partitions", async () => {
    // The resend arrives on another receive day (tomorrow's partition) than the original.
    const tomorrow = new Date(now.getTime() + DAY_MS);
    await h.produce([
      { campaignId: C, eventId: "recent-1", occurTime: new Date(`${recentDay}T10:01:00Z`), receiveTime: tomorrow },
      { campaignId: C, eventId: "recent-6", occurTime: new Date(`${recentDay}T10:06:00Z`), receiveTime: tomorrow },
    ]);
    await eventually(async () => (await h.rawCount(C)) === 7, 20_000, "the new event applied");
    await eventually(async () => (await impressions(windowStart, today)) === "6", 10_000, "insights with the new event");
    assert.equal(await count("SELECT count(*) AS n FROM raw_events WHERE event_id = 'recent-1'"), 1);
  });

  it("re-aggregation leaves the days before the horizon alone: their raw events are gone, their rollups are right", async () => {
    // The old day still has one raw event (the late one): rebuilding it from raw would make it 1.
    const res = await h.unary<ReaggregateCampaignRequest, ReaggregateCampaignResponse>(
      (c) => c.reaggregateCampaign,
      ReaggregateCampaignRequest.fromPartial({ campaignId: C, startDate: oldDay }),
      TENANT,
      "EDITOR",
    );
    assert.equal(res.changedBuckets, "0");
    assert.equal(res.before!.impressions, "6");
    assert.equal(res.after!.impressions, "6");
    assert.equal(await impressions(utcDay(new Date(now.getTime() - 102 * DAY_MS)), oldDay), "4");
  });

  it("runs one pass at a time: a pass finding the lock taken does nothing", async () => {
    await h.db.transaction(async (trx) => {
      await trx.raw("SELECT pg_advisory_xact_lock(?)", [RETENTION_LOCK]);
      const outcome = await new PgRawEventRetention(h.db, 90, testLogger()).run(now);
      assert.deepEqual(outcome, { ran: false, created: [], dropped: [], defaultRowsDeleted: 0, keysDeleted: 0, horizon: null });
    });
  });
});

describe("migration 0005 (raw_events partitioned by receive day)", () => {
  it("moves the rows of an unpartitioned raw_events into day partitions and their keys into event_keys", async () => {
    const database = await createTestDatabase();
    const db = createDb({ url: database.url, schema: ANALYTICS_SCHEMA });
    try {
      await migrate(db, ANALYTICS_SCHEMA, migrations.slice(0, 4));
      const row = (eventId: string, receiveTime: string) => ({
        tenant_id: "t",
        event_id: eventId,
        campaign_id: "c",
        type: 1,
        platform: "meta",
        region: "DE",
        occur_time: receiveTime,
        receive_time: receiveTime,
        filtered: false,
        kafka_partition: 0,
        kafka_offset: 0,
      });
      await db("raw_events").insert([row("a", "2025-03-10T23:59:59Z"), row("b", "2025-03-11T00:00:00Z"), row("c", "2025-03-11T12:00:00Z")]);

      assert.deepEqual(await migrate(db, ANALYTICS_SCHEMA, migrations.slice(0, 5)), ["0005_raw_events_partitioned_by_receive_day"]);

      const byPartition = await db.raw(
        "SELECT tableoid::regclass::text AS p, string_agg(event_id, ',' ORDER BY event_id) AS ids FROM raw_events GROUP BY 1 ORDER BY 1",
      );
      assert.deepEqual(byPartition.rows, [
        { p: "raw_events_20250310", ids: "a" },
        { p: "raw_events_20250311", ids: "b,c" },
      ]);
      const keys = await db.raw("SELECT event_id, to_char(receive_day, 'YYYY-MM-DD') AS day FROM event_keys ORDER BY event_id");
      assert.deepEqual(keys.rows, [
        { event_id: "a", day: "2025-03-10" },
        { event_id: "b", day: "2025-03-11" },
        { event_id: "c", day: "2025-03-11" },
      ]);
      assert.equal(await db.raw("SELECT to_regclass('raw_events_unpartitioned') IS NULL AS gone").then((r) => r.rows[0].gone), true);
      // 0006 adds conversion_action to the partitioned table: every partition gets it, '' for the rows there.
      assert.deepEqual(await migrate(db, ANALYTICS_SCHEMA, migrations), ["0006_conversion_action_keys"]);
      const actions = await db.raw("SELECT event_id, conversion_action FROM raw_events ORDER BY event_id");
      assert.deepEqual(
        actions.rows.map((r: { event_id: string; conversion_action: string }) => [r.event_id, r.conversion_action]),
        [
          ["a", ""],
          ["b", ""],
          ["c", ""],
        ],
      );
    } finally {
      await db.destroy();
      await database.drop();
    }
  });
});
