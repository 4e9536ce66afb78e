/**
 * The aggregator's write to rollups: additive sums per 15-minute UTC bucket, inside the flush's
 * transaction.
 */
import type { Knex } from "#common/db.js";
import type { RollupDelta } from "../domain/ad-events.js";
import { rollupColumns } from "./mapping.js";

const UPSERT_ROLLUPS = `
INSERT INTO rollups AS r (tenant_id, campaign_id, bucket_start, platform, region, source, conversion_action,
                          impressions, clicks, conversions, cost_micros, revenue_micros, filtered_events)
SELECT * FROM unnest(?::text[], ?::text[], ?::timestamptz[], ?::text[], ?::text[], ?::int2[], ?::text[],
                     ?::int8[], ?::int8[], ?::int8[], ?::numeric[], ?::numeric[], ?::int8[])
ON CONFLICT (tenant_id, campaign_id, bucket_start, platform, region, source, conversion_action) DO UPDATE SET
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
