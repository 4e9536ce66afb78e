/**
 * rollups: additive sums per 15-minute UTC bucket. Reads group them by the local bucket of a report
 * time zone in SQL; the keys match domain/buckets.ts. Every read filters on tenant_id.
 */
import type { Knex } from "../../../common/src/db.js";
import type { RollupDelta } from "../domain/ad-events.js";
import type { Granularity } from "../domain/buckets.js";
import type { InsightsQuery, RollupReader } from "../domain/insights.js";
import type { Dimension } from "../domain/insights-input.js";
import type { GroupedMetrics } from "../domain/insights-report.js";
import type { BaseMetrics } from "../domain/metrics.js";
import type { CampaignWindow, TotalsReader } from "../domain/performance.js";
import { column, rollupColumns, toBaseMetrics, toGroupedMetrics, type GroupedSumsRow, type MetricSumsRow } from "./mapping.js";

const UPSERT_ROLLUPS = `
INSERT INTO rollups AS r (tenant_id, campaign_id, bucket_start, platform, region, source,
                          impressions, clicks, conversions, cost_micros, revenue_micros, filtered_events)
SELECT * FROM unnest(?::text[], ?::text[], ?::timestamptz[], ?::text[], ?::text[], ?::int2[],
                     ?::int8[], ?::int8[], ?::int8[], ?::numeric[], ?::numeric[], ?::int8[])
ON CONFLICT (tenant_id, campaign_id, bucket_start, platform, region, source) DO UPDATE SET
  impressions = r.impressions + excluded.impressions,
  clicks = r.clicks + excluded.clicks,
  conversions = r.conversions + excluded.conversions,
  cost_micros = r.cost_micros + excluded.cost_micros,
  revenue_micros = r.revenue_micros + excluded.revenue_micros,
  filtered_events = r.filtered_events + excluded.filtered_events`;

/** Adds deltas (sorted by key, one per key) to the stored sums. */
export async function upsertRollups(trx: Knex.Transaction, deltas: RollupDelta[]): Promise<void> {
  if (deltas.length === 0) return;
  await trx.raw(UPSERT_ROLLUPS, rollupColumns(deltas));
}

/**
 * NUMERIC, never int8: a sum over many rows (money sums are NUMERIC already; platform report
 * counts are bigint per row) must not fail with "bigint out of range". node-postgres answers a
 * decimal string, parsed exactly by toBaseMetrics.
 */
const SUMS = `sum(impressions)::numeric AS impressions, sum(clicks)::numeric AS clicks, sum(conversions)::numeric AS conversions,
  sum(cost_micros)::numeric AS cost_micros, sum(revenue_micros)::numeric AS revenue_micros, sum(filtered_events)::numeric AS filtered_events`;

const DIMENSION_COLUMN: Record<Dimension, string> = { PLATFORM: "platform", REGION: "region", SOURCE: "source" };

/**
 * The SQL twin of buckets.ts bucketKey(): `local` computes the local bucket of each row (`?` is
 * the report time zone), `key` formats it once per group — formatting per row costs noticeably.
 */
function bucketKeySql(granularity: Granularity): { local: string; key: string; zoneParams: number } {
  switch (granularity) {
    case "TOTAL":
      return { local: "0", key: "'total'", zoneParams: 0 };
    case "HOUR":
      // The instant the local clock hour began: a repeated fall-back hour stays its own bucket.
      return {
        local: "extract(epoch FROM bucket_start)::int8 - extract(minute FROM bucket_start AT TIME ZONE ?)::int8 * 60",
        key: "(local_bucket * 1000)::text",
        zoneParams: 1,
      };
    case "DAY":
    case "WEEK":
    case "MONTH":
      return { local: `date_trunc('${granularity.toLowerCase()}', bucket_start AT TIME ZONE ?)`, key: "to_char(local_bucket, 'YYYY-MM-DD')", zoneParams: 1 };
  }
}

/**
 * Tracked rollups plus platform report rows placed at the first instant of their local hour (or
 * day) in the campaign's time zone: the only zone the platforms report in.
 */
function factsSql(query: InsightsQuery): { sql: string; params: Knex.Value[] } {
  const filters: string[] = [];
  const filterParams: Knex.Value[] = [];
  if (query.platforms.length > 0) {
    filters.push("AND platform = ANY(?::text[])");
    filterParams.push(query.platforms);
  }
  if (query.regions.length > 0) {
    filters.push("AND region = ANY(?::text[])");
    filterParams.push(query.regions);
  }
  const where = filters.join(" ");
  const range = [query.interval.start.toISOString(), query.interval.end.toISOString()];
  const sql = `
    SELECT bucket_start, platform, region, source, impressions, clicks, conversions, cost_micros, revenue_micros, filtered_events
    FROM rollups
    WHERE tenant_id = ? AND campaign_id = ? AND bucket_start >= ? AND bucket_start < ? ${where}
    UNION ALL
    SELECT bucket_start, platform, region, 2::int2, impressions, clicks, conversions, cost_micros, revenue_micros, 0::int8
    FROM (SELECT *, (report_date + make_interval(hours => greatest(hour, 0)::int)) AT TIME ZONE ? AS bucket_start
          FROM platform_report_rows WHERE tenant_id = ? AND campaign_id = ?) p
    WHERE bucket_start >= ? AND bucket_start < ? ${where}`;
  const params = [query.tenantId, query.campaignId, ...range, ...filterParams, query.campaignTimeZone, query.tenantId, query.campaignId, ...range, ...filterParams];
  return { sql, params };
}

export class PgRollupStore implements RollupReader {
  constructor(private readonly db: Knex) {}

  async readInsights(query: InsightsQuery): Promise<GroupedMetrics[]> {
    const bucket = bucketKeySql(query.granularity);
    const dims = query.breakdowns.map((d) => DIMENSION_COLUMN[d]).map((d) => `, ${d}`).join("");
    const facts = factsSql(query);
    const sql = `
      SELECT ${bucket.key} AS bucket_key${dims}, ${SUMS}
      FROM (SELECT ${bucket.local} AS local_bucket, * FROM (${facts.sql}) f) l
      GROUP BY local_bucket${dims}`;
    const zone = Array.from({ length: bucket.zoneParams }, () => query.timeZone);
    const result = await this.db.raw(sql, [...zone, ...facts.params]);
    return (result.rows as GroupedSumsRow[]).map(toGroupedMetrics);
  }
}

/**
 * Sums per campaign over each campaign's own window, tracked rollups and platform report rows
 * together, in one statement.
 */
const TOTALS_SQL = `
WITH w AS (SELECT * FROM unnest(?::text[], ?::timestamptz[], ?::timestamptz[], ?::text[]) AS w(campaign_id, s, e, tz))
SELECT w.campaign_id, ${SUMS}
FROM w JOIN LATERAL (
  SELECT impressions, clicks, conversions, cost_micros, revenue_micros, filtered_events
  FROM rollups r WHERE r.tenant_id = ? AND r.campaign_id = w.campaign_id AND r.bucket_start >= w.s AND r.bucket_start < w.e
  UNION ALL
  SELECT impressions, clicks, conversions, cost_micros, revenue_micros, 0
  FROM platform_report_rows p
  WHERE p.tenant_id = ? AND p.campaign_id = w.campaign_id
    AND (p.report_date + make_interval(hours => greatest(p.hour, 0)::int)) AT TIME ZONE w.tz >= w.s
    AND (p.report_date + make_interval(hours => greatest(p.hour, 0)::int)) AT TIME ZONE w.tz < w.e
) f ON true
GROUP BY w.campaign_id`;

export class PgTotalsReader implements TotalsReader {
  constructor(private readonly db: Knex) {}

  async readTotals(tenantId: string, windows: CampaignWindow[]): Promise<Map<string, BaseMetrics>> {
    if (windows.length === 0) return new Map();
    const result = await this.db.raw(TOTALS_SQL, [
      column(windows.map((w) => w.campaignId)),
      column(windows.map((w) => w.interval.start.toISOString())),
      column(windows.map((w) => w.interval.end.toISOString())),
      column(windows.map((w) => w.campaignTimeZone)),
      tenantId,
      tenantId,
    ]);
    return new Map((result.rows as (MetricSumsRow & { campaign_id: string })[]).map((r) => [r.campaign_id, toBaseMetrics(r)]));
  }
}
