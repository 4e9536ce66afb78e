/**
 * The totals query (ListCampaignPerformance, live metrics): one sum per campaign over its own
 * window. Every read filters on tenant_id.
 */
import type { Knex } from "#common/db.js";
import type { CampaignWindow, TotalsReader } from "../domain/performance.js";
import type { SourcedMetrics } from "../domain/source-policy.js";
import { column, ROLLUP_CONVERSIONS_MICROS, SOURCE_OF_CODE, SUMS_SQL, toBaseMetrics, type MetricSumsRow } from "./mapping.js";

/**
 * Sums per campaign, platform and source over each campaign's own window, tracked rollups and
 * platform report rows in one statement (conversions in exact millionths); the domain's source
 * policy decides what counts.
 */
const TOTALS_SQL = `
WITH w AS (SELECT * FROM unnest(?::text[], ?::timestamptz[], ?::timestamptz[], ?::text[]) AS w(campaign_id, s, e, tz))
SELECT w.campaign_id, f.platform, f.source, ${SUMS_SQL}
FROM w JOIN LATERAL (
  SELECT platform, source, impressions, clicks, ${ROLLUP_CONVERSIONS_MICROS} AS conversions_micros, cost_micros, revenue_micros, filtered_events
  FROM rollups r WHERE r.tenant_id = ? AND r.campaign_id = w.campaign_id AND r.bucket_start >= w.s AND r.bucket_start < w.e
  UNION ALL
  SELECT platform, 2::int2, impressions, clicks, conversions_micros, cost_micros, revenue_micros, 0
  FROM platform_report_rows p
  WHERE p.tenant_id = ? AND p.campaign_id = w.campaign_id
    AND (p.report_date + make_interval(hours => greatest(p.hour, 0)::int)) AT TIME ZONE coalesce(nullif(p.time_zone, ''), w.tz) >= w.s
    AND (p.report_date + make_interval(hours => greatest(p.hour, 0)::int)) AT TIME ZONE coalesce(nullif(p.time_zone, ''), w.tz) < w.e
) f ON true
GROUP BY w.campaign_id, f.platform, f.source`;

export class PgTotalsReader implements TotalsReader {
  constructor(private readonly db: Knex) {}

  async readTotals(tenantId: string, windows: CampaignWindow[]): Promise<Map<string, SourcedMetrics[]>> {
    if (windows.length === 0) return new Map();
    const result = await this.db.raw(TOTALS_SQL, [
      column(windows.map((w) => w.campaignId)),
      column(windows.map((w) => w.interval.start.toISOString())),
      column(windows.map((w) => w.interval.end.toISOString())),
      column(windows.map((w) => w.campaignTimeZone)),
      tenantId,
      tenantId,
    ]);
    const out = new Map<string, SourcedMetrics[]>();
    for (const r of result.rows as (MetricSumsRow & { campaign_id: string; platform: string; source: number })[]) {
      const parts = out.get(r.campaign_id) ?? [];
      parts.push({ platform: r.platform, source: SOURCE_OF_CODE[r.source] ?? "TRACKED", metrics: toBaseMetrics(r) });
      out.set(r.campaign_id, parts);
    }
    return out;
  }
}
