/**
 * Database rows ↔ domain values, in one place. int8 columns arrive as strings (exact); the hot-path
 * writers pass whole columns as arrays to one `unnest` statement, so they are built here too.
 */
import type { Knex } from "#common/db.js";
import { eventTypeNumber } from "#common/contract/event-type.js";
import type { PositionedEvent, PositionedReport, RollupDelta } from "../domain/ad-events.js";
import type { SourceKind } from "../domain/insights-input.js";
import type { GroupedMetrics } from "../domain/insights-report.js";
import { MICROS_PER_CONVERSION, type BaseMetrics } from "../domain/metrics.js";

/** One whole column passed as a single array parameter (`?::text[]`); node-pg encodes the array. */
export type SqlColumn = Knex.Value;
export const column = (values: readonly unknown[]): SqlColumn => values as unknown as SqlColumn;

/** tally.analytics.v1.Source numbers, as stored in rollups.source. */
export const SOURCE_CODE: Record<SourceKind, number> = { TRACKED: 1, PLATFORM: 2 };
export const SOURCE_OF_CODE: Record<number, SourceKind> = { 1: "TRACKED", 2: "PLATFORM" };

/** platform_report_rows.hour for a whole-day row (the primary key cannot hold NULL). */
export const WHOLE_DAY_HOUR = -1;

/** The summed base columns every aggregate query selects. */
export interface MetricSumsRow {
  impressions: string;
  clicks: string;
  conversions_micros: string;
  cost_micros: string;
  revenue_micros: string;
  filtered_events: string;
}

/**
 * NUMERIC, never int8: a sum over many rows (money sums are NUMERIC already; platform report
 * counts are bigint per row) must not fail with "bigint out of range". node-postgres answers a
 * decimal string, parsed exactly by toBaseMetrics. Conversions are summed in millionths: the
 * facts below every query select them as `conversions_micros` (ROLLUP_CONVERSIONS_MICROS,
 * platform_report_rows.conversions_micros), so fractional platform conversions add up exactly.
 */
export const SUMS_SQL = `sum(impressions)::numeric AS impressions, sum(clicks)::numeric AS clicks, sum(conversions_micros)::numeric AS conversions_micros,
  sum(cost_micros)::numeric AS cost_micros, sum(revenue_micros)::numeric AS revenue_micros, sum(filtered_events)::numeric AS filtered_events`;

/**
 * rollups hold whole tracked conversions; in millionths to sum beside platform rows. int8 per row
 * (cheaper than NUMERIC on the hot path) cannot wrap: one row is one 15-minute bucket's events,
 * and 9.2 × 10^12 conversions would have to be tracked in it. The sums above are NUMERIC.
 */
export const ROLLUP_CONVERSIONS_MICROS = "conversions * 1000000";

export interface GroupedSumsRow extends MetricSumsRow {
  bucket_key: string;
  platform?: string;
  region?: string;
  source?: number;
  conversion_action?: string;
}

export interface ConsumerOffsetRow {
  partition: number;
  next_offset: string;
  caught_up_at: Date | null;
}

export function toBaseMetrics(row: MetricSumsRow): BaseMetrics {
  return {
    impressions: BigInt(row.impressions ?? 0),
    clicks: BigInt(row.clicks ?? 0),
    conversionsMicros: BigInt(row.conversions_micros ?? 0),
    costMicros: BigInt(row.cost_micros ?? 0),
    revenueMicros: BigInt(row.revenue_micros ?? 0),
    filteredEvents: BigInt(row.filtered_events ?? 0),
  };
}

export function toGroupedMetrics(row: GroupedSumsRow): GroupedMetrics {
  return {
    bucketKey: row.bucket_key,
    platform: row.platform ?? "",
    region: row.region ?? "",
    source: row.source === undefined ? null : (SOURCE_OF_CODE[row.source] ?? null),
    conversionAction: row.conversion_action ?? null,
    metrics: toBaseMetrics(row),
  };
}

/**
 * raw_events rows as one JSON array for `json_to_recordset`: on the hot path this is about twice
 * as cheap as one array parameter per column (node-pg escapes every array element in JS).
 * Keys are short and match the record definition in raw-event-store.ts.
 */
export function rawEventsJson(items: PositionedEvent[]): string {
  return JSON.stringify(
    items.map(({ partition, offset, event: e }) => ({
      t: e.tenantId,
      e: e.eventId,
      c: e.campaignId,
      // raw_events.type holds the tally.events.v1.EventType number.
      y: eventTypeNumber(e.kind),
      p: e.platform,
      r: e.region,
      // Epoch milliseconds: cheaper to write here and to read for Postgres than ISO text.
      om: e.occurTime.getTime(),
      rtm: e.receiveTime.getTime(),
      v: e.valueMicros.toString(),
      co: e.costMicros.toString(),
      f: e.filtered,
      kp: partition,
      ko: offset.toString(),
      a: e.conversionAction,
    })),
  );
}

/** rollups.conversions counts whole tracked conversions; a fraction here is a bug, never rounded away. */
function trackedConversions(conversionsMicros: bigint): bigint {
  if (conversionsMicros % MICROS_PER_CONVERSION !== 0n) throw new RangeError(`tracked conversions must be whole, got ${conversionsMicros} micros`);
  return conversionsMicros / MICROS_PER_CONVERSION;
}

/** rollups columns, in the order of the INSERT column list. */
export function rollupColumns(deltas: RollupDelta[]): SqlColumn[] {
  return [
    deltas.map((d) => d.tenantId),
    deltas.map((d) => d.campaignId),
    deltas.map((d) => new Date(d.bucketStart).toISOString()),
    deltas.map((d) => d.platform),
    deltas.map((d) => d.region),
    deltas.map((d) => SOURCE_CODE[d.source]),
    deltas.map((d) => d.conversionAction),
    deltas.map((d) => d.metrics.impressions.toString()),
    deltas.map((d) => d.metrics.clicks.toString()),
    deltas.map((d) => trackedConversions(d.metrics.conversionsMicros).toString()),
    deltas.map((d) => d.metrics.costMicros.toString()),
    deltas.map((d) => d.metrics.revenueMicros.toString()),
    deltas.map((d) => d.metrics.filteredEvents.toString()),
  ].map(column);
}

/** platform_report_rows columns, in the order of the INSERT column list. */
export function reportColumns(items: PositionedReport[]): SqlColumn[] {
  const r = items.map((i) => i.report);
  return [
    r.map((x) => x.tenantId),
    r.map((x) => x.campaignId),
    r.map((x) => x.platform),
    r.map((x) => x.region),
    r.map((x) => x.date),
    r.map((x) => x.hour ?? WHOLE_DAY_HOUR),
    r.map((x) => x.metrics.impressions.toString()),
    r.map((x) => x.metrics.clicks.toString()),
    r.map((x) => x.metrics.conversions.toString()),
    r.map((x) => x.metrics.costMicros.toString()),
    r.map((x) => x.metrics.revenueMicros.toString()),
    r.map((x) => x.reportTime.toISOString()),
    r.map((x) => x.conversionsMicros.toString()),
    r.map((x) => x.timeZone),
    r.map((x) => x.conversionAction),
    items.map((i) => i.partition),
    items.map((i) => i.offset.toString()),
  ].map(column);
}
