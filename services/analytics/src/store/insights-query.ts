/**
 * The insights query (GetCampaignInsights): rollups (additive sums per 15-minute UTC bucket) and
 * platform report rows, grouped by the local bucket of the report time zone in SQL; the keys match
 * domain/buckets.ts. Every read filters on tenant_id.
 */
import type { Knex } from "#common/db.js";
import type { Granularity } from "../domain/buckets.js";
import type { InsightsQuery, InsightsReader } from "../domain/insights.js";
import type { Dimension } from "../domain/insights-input.js";
import type { SourcedGroup } from "../domain/insights-report.js";
import { ROLLUP_CONVERSIONS_MICROS, SUMS_SQL, toGroupedMetrics, type GroupedSumsRow } from "./mapping.js";

const DIMENSION_COLUMN: Record<Dimension, string> = { PLATFORM: "platform", REGION: "region", SOURCE: "source", CONVERSION_ACTION: "conversion_action" };

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
 * Tracked rollups plus platform report rows placed at the first instant of their hour (or day) in
 * the row's own zone (the ad account's), or the campaign's for rows that carry none. Conversions
 * in millionths on both sides: platform rows' exact conversions_micros, never their whole part.
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
    SELECT bucket_start, platform, region, source, conversion_action, impressions, clicks, ${ROLLUP_CONVERSIONS_MICROS} AS conversions_micros, cost_micros, revenue_micros, filtered_events
    FROM rollups
    WHERE tenant_id = ? AND campaign_id = ? AND bucket_start >= ? AND bucket_start < ? ${where}
    UNION ALL
    SELECT bucket_start, platform, region, 2::int2, conversion_action, impressions, clicks, conversions_micros, cost_micros, revenue_micros, 0::int8
    FROM (SELECT *, (report_date + make_interval(hours => greatest(hour, 0)::int)) AT TIME ZONE coalesce(nullif(time_zone, ''), ?) AS bucket_start
          FROM platform_report_rows WHERE tenant_id = ? AND campaign_id = ?) p
    WHERE bucket_start >= ? AND bucket_start < ? ${where}`;
  const params = [
    query.tenantId,
    query.campaignId,
    ...range,
    ...filterParams,
    query.campaignTimeZone,
    query.tenantId,
    query.campaignId,
    ...range,
    ...filterParams,
  ];
  return { sql, params };
}

export class PgInsightsReader implements InsightsReader {
  constructor(private readonly db: Knex) {}

  async readInsights(query: InsightsQuery): Promise<SourcedGroup[]> {
    const bucket = bucketKeySql(query.granularity);
    // Always per platform and source (the source policy chooses per platform); region only when asked.
    const dimensions = new Set<Dimension>(["PLATFORM", "SOURCE", ...query.breakdowns]);
    const dims = [...dimensions]
      .map((d) => DIMENSION_COLUMN[d])
      .map((d) => `, ${d}`)
      .join("");
    const facts = factsSql(query);
    const sql = `
      SELECT ${bucket.key} AS bucket_key${dims}, ${SUMS_SQL}
      FROM (SELECT ${bucket.local} AS local_bucket, * FROM (${facts.sql}) f) l
      GROUP BY local_bucket${dims}`;
    const zone = Array.from({ length: bucket.zoneParams }, () => query.timeZone);
    const result = await this.db.raw(sql, [...zone, ...facts.params]);
    return (result.rows as GroupedSumsRow[]).map(toGroupedMetrics) as SourcedGroup[];
  }
}
