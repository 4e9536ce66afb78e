/**
 * Rebuilding tracked rollups from raw_events. The rebuild never overwrites: in ONE statement it
 * compares the sums of the raw events with the stored rollups (one snapshot for both) and adds
 * the differences with the aggregator's own additive upsert. An aggregator flush that commits
 * meanwhile adds its delta for events the snapshot did not see, so nothing is lost or counted twice.
 */
import type { Knex } from "#common/db.js";
import type { UtcInterval } from "../domain/buckets.js";
import type { RebuildOutcome, RollupRebuilder } from "../domain/reaggregate.js";
import { toBaseMetrics, type MetricSumsRow } from "./mapping.js";
import { PgRawEventRetention, utcDay } from "./raw-event-retention.js";

const KEY = "tenant_id, campaign_id, bucket_start, platform, region, source, conversion_action";
const METRICS = ["impressions", "clicks", "conversions", "cost_micros", "revenue_micros", "filtered_events"];
// NUMERIC like the rollup money columns (see migrations.ts): these sums must not wrap either.
// Conversions leave in millionths, as every read of metrics does (mapping.ts SUMS_SQL).
const SUMS = METRICS.map((m) =>
  m === "conversions" ? "coalesce(sum(conversions), 0)::numeric * 1000000 AS conversions_micros" : `coalesce(sum(${m}), 0)::numeric AS ${m}`,
).join(", ");

// The raw-event contribution must match domain/ad-events.ts eventContribution() exactly.
const REBUILD = `
WITH fresh AS (
  SELECT tenant_id, campaign_id, date_bin('15 minutes', occur_time, timestamptz 'epoch') AS bucket_start, platform, region, 1::int2 AS source, conversion_action,
         count(*) FILTER (WHERE NOT filtered AND type = 1) AS impressions,
         count(*) FILTER (WHERE NOT filtered AND type = 2) AS clicks,
         count(*) FILTER (WHERE NOT filtered AND type = 3) AS conversions,
         coalesce(sum(cost_micros) FILTER (WHERE NOT filtered), 0)::numeric AS cost_micros,
         coalesce(sum(value_micros) FILTER (WHERE NOT filtered), 0)::numeric AS revenue_micros,
         count(*) FILTER (WHERE filtered) AS filtered_events
  FROM raw_events
  WHERE tenant_id = :tenant AND campaign_id = :campaign AND occur_time >= :start AND occur_time < :end
  GROUP BY 1, 2, 3, 4, 5, 7
), cur AS (
  SELECT ${KEY}, ${METRICS.join(", ")} FROM rollups
  WHERE tenant_id = :tenant AND campaign_id = :campaign AND source = 1 AND bucket_start >= :start AND bucket_start < :end
), diff AS (
  SELECT ${KEY}, ${METRICS.map((m) => `coalesce(f.${m}, 0) - coalesce(c.${m}, 0) AS ${m}`).join(", ")}
  FROM fresh f FULL JOIN cur c USING (${KEY})
), applied AS (
  INSERT INTO rollups AS r (${KEY}, ${METRICS.join(", ")})
  SELECT * FROM diff WHERE ${METRICS.map((m) => `${m} <> 0`).join(" OR ")}
  ORDER BY ${KEY}
  ON CONFLICT (${KEY}) DO UPDATE SET ${METRICS.map((m) => `${m} = r.${m} + excluded.${m}`).join(", ")}
  RETURNING 1
)
SELECT 'before' AS which, ${SUMS} FROM cur
UNION ALL SELECT 'after', ${SUMS} FROM fresh
UNION ALL SELECT 'changed', count(*)::numeric, 0, 0, 0, 0, 0 FROM applied`;

/** Rows the rebuild brought to zero carry no information; the WHERE is re-checked under lock. */
const DELETE_ZERO_ROWS = `
DELETE FROM rollups
WHERE tenant_id = :tenant AND campaign_id = :campaign AND source = 1 AND bucket_start >= :start AND bucket_start < :end
  AND ${METRICS.map((m) => `${m} = 0`).join(" AND ")}`;

export class PgRollupRebuilder implements RollupRebuilder {
  constructor(private readonly db: Knex) {}

  /**
   * The campaign's oldest occur day (UTC) with a retained raw event; once retention has dropped
   * days, never before the day after the horizon: an event of an earlier occur day may have been
   * received before the horizon and be gone, so rebuilding that day would erase right rollups.
   * (Ingestion refuses events more than 5 minutes in the future, so every event of a later occur
   * day was received after the horizon.)
   */
  async oldestRebuildableDate(tenantId: string, campaignId: string): Promise<string | null> {
    const result = await this.db.raw(
      `SELECT to_char(min(occur_time) AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day FROM raw_events WHERE tenant_id = ? AND campaign_id = ?`,
      [tenantId, campaignId],
    );
    const oldest = (result.rows[0] as { day: string | null }).day;
    const horizon = await PgRawEventRetention.horizon(this.db);
    if (oldest === null || horizon === null) return oldest;
    const firstWhole = utcDay(new Date(horizon.getTime() + 86_400_000));
    return oldest > firstWhole ? oldest : firstWhole;
  }

  async rebuild(tenantId: string, campaignId: string, interval: UtcInterval): Promise<RebuildOutcome> {
    const params = { tenant: tenantId, campaign: campaignId, start: interval.start.toISOString(), end: interval.end.toISOString() };
    return this.db.transaction(async (trx) => {
      const result = await trx.raw(REBUILD, params);
      await trx.raw(DELETE_ZERO_ROWS, params);
      const rows = new Map((result.rows as (MetricSumsRow & { which: string })[]).map((r) => [r.which, r]));
      return {
        changedBuckets: BigInt(rows.get("changed")!.impressions),
        before: toBaseMetrics(rows.get("before")!),
        after: toBaseMetrics(rows.get("after")!),
      };
    });
  }
}
