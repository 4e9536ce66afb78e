/**
 * platform_report_rows: snapshots where the latest report_time wins, per key (campaign, platform,
 * region, day, hour, conversion action): a row per action replaces only that action's row.
 */
import type { Knex } from "#common/db.js";
import type { CampaignRef, PositionedReport } from "../domain/ad-events.js";
import { reportColumns } from "./mapping.js";

const UPSERT_REPORTS = `
INSERT INTO platform_report_rows AS p (tenant_id, campaign_id, platform, region, report_date, hour,
                                       impressions, clicks, conversions, cost_micros, revenue_micros, report_time,
                                       conversions_micros, time_zone, conversion_action, kafka_partition, kafka_offset)
SELECT * FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::date[], ?::int2[],
                     ?::int8[], ?::int8[], ?::int8[], ?::int8[], ?::int8[], ?::timestamptz[], ?::int8[], ?::text[], ?::text[], ?::int4[], ?::int8[])
ON CONFLICT (tenant_id, campaign_id, platform, region, report_date, hour, conversion_action) DO UPDATE SET
  impressions = excluded.impressions, clicks = excluded.clicks, conversions = excluded.conversions,
  cost_micros = excluded.cost_micros, revenue_micros = excluded.revenue_micros, report_time = excluded.report_time,
  conversions_micros = excluded.conversions_micros, time_zone = excluded.time_zone,
  kafka_partition = excluded.kafka_partition, kafka_offset = excluded.kafka_offset
WHERE p.report_time <= excluded.report_time
RETURNING tenant_id, campaign_id`;

/**
 * Upserts report rows (at most one per key: see latestReports) and answers the campaigns whose
 * numbers changed; a row older than the stored one changes nothing.
 */
export async function upsertReports(trx: Knex.Transaction, items: PositionedReport[]): Promise<CampaignRef[]> {
  if (items.length === 0) return [];
  const result = await trx.raw(UPSERT_REPORTS, reportColumns(items));
  return (result.rows as { tenant_id: string; campaign_id: string }[]).map((r) => ({ tenantId: r.tenant_id, campaignId: r.campaign_id }));
}
