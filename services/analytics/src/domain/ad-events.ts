/**
 * What the aggregator applies: tracked events (folded into 15-minute rollup deltas) and platform
 * report rows (snapshots, latest report_time wins). Pure: no Kafka, no SQL.
 */
import type { EventKind } from "#common/contract/event-type.js";
import { rollupBucketStart } from "./buckets.js";
import type { SourceKind } from "./insights-input.js";
import { addInto, MICROS_PER_CONVERSION, zeroMetrics, type BaseMetrics } from "./metrics.js";

export type { EventKind };

export interface TrackedEvent {
  tenantId: string;
  eventId: string;
  campaignId: string;
  kind: EventKind;
  platform: string;
  region: string;
  occurTime: Date;
  receiveTime: Date;
  valueMicros: bigint;
  costMicros: bigint;
  /** Bot traffic: counted in filteredEvents only. */
  filtered: boolean;
  /** A conversion's action slug; "" for none and for every other kind. */
  conversionAction: string;
}

export interface PlatformReport {
  tenantId: string;
  campaignId: string;
  platform: string;
  region: string;
  /** YYYY-MM-DD in timeZone. */
  date: string;
  /** 0–23 of date in timeZone for an hourly row; null for a whole-day row. */
  hour: number | null;
  /**
   * IANA zone of date and hour (the ad account's): the row covers [date 00:00, date+1 00:00) there.
   * "" (records from producers before the field) means the campaign's time zone.
   */
  timeZone: string;
  /** As the row arrived; `conversions` is the whole part of conversionsMicros (stored for older readers). */
  metrics: ReportedCounts;
  /** Conversions in millionths, exact (platforms report fractional ones): what insights add up. */
  conversionsMicros: bigint;
  reportTime: Date;
  /**
   * The action the row's conversions and revenue are of; "" for the row without one (delivery and
   * cost). Part of the snapshot key: a row per action never replaces the delivery row.
   */
  conversionAction: string;
}

/** A report row's counts as it carries them (platform_report_rows' columns). */
export interface ReportedCounts {
  impressions: bigint;
  clicks: bigint;
  conversions: bigint;
  costMicros: bigint;
  revenueMicros: bigint;
}

export interface RollupDelta {
  tenantId: string;
  campaignId: string;
  /** Epoch ms of the 15-minute UTC bucket. */
  bucketStart: number;
  platform: string;
  region: string;
  source: SourceKind;
  /** "" for numbers tied to no action: every impression, click, cost and filtered event is here. */
  conversionAction: string;
  /** Tracked events count whole conversions: conversionsMicros is always a multiple of 10^6. */
  metrics: BaseMetrics;
}

export interface CampaignRef {
  tenantId: string;
  campaignId: string;
}

/** The base metrics one event adds to its bucket. */
export function eventContribution(e: TrackedEvent): BaseMetrics {
  const m = zeroMetrics();
  if (e.filtered) {
    m.filteredEvents = 1n;
    return m;
  }
  if (e.kind === "IMPRESSION") m.impressions = 1n;
  else if (e.kind === "CLICK") m.clicks = 1n;
  else m.conversionsMicros = MICROS_PER_CONVERSION;
  // Revenue is whatever value the event carries (ingestion only accepts it on conversions).
  m.revenueMicros = e.valueMicros;
  m.costMicros = e.costMicros;
  return m;
}

const deltaKey = (d: Omit<RollupDelta, "metrics">) =>
  `${d.tenantId}\u0000${d.campaignId}\u0000${d.bucketStart}\u0000${d.platform}\u0000${d.region}\u0000${d.source}\u0000${d.conversionAction}`;

/**
 * Sums events into rollup deltas, sorted by key: concurrent upserts that touch rows in the same
 * order cannot deadlock (two aggregator members overlap briefly during a rebalance).
 */
export function foldEvents(events: Iterable<TrackedEvent>): RollupDelta[] {
  const deltas = new Map<string, RollupDelta>();
  for (const e of events) {
    const key = {
      tenantId: e.tenantId,
      campaignId: e.campaignId,
      bucketStart: rollupBucketStart(e.occurTime.getTime()),
      platform: e.platform,
      region: e.region,
      source: "TRACKED" as const,
      conversionAction: e.conversionAction,
    };
    const k = deltaKey(key);
    const existing = deltas.get(k);
    if (existing) addInto(existing.metrics, eventContribution(e));
    else deltas.set(k, { ...key, metrics: eventContribution(e) });
  }
  return [...deltas.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, d]) => d);
}

/** Distinct campaigns, for cache invalidation and live updates. */
export function campaignsOf(items: Iterable<CampaignRef>): CampaignRef[] {
  const seen = new Map<string, CampaignRef>();
  for (const { tenantId, campaignId } of items) seen.set(`${tenantId}\u0000${campaignId}`, { tenantId, campaignId });
  return [...seen.values()];
}

const reportKey = (r: PlatformReport) =>
  `${r.tenantId}\u0000${r.campaignId}\u0000${r.platform}\u0000${r.region}\u0000${r.date}\u0000${r.hour ?? -1}\u0000${r.conversionAction}`;

/**
 * One row per report key, the latest report_time winning (a later position wins a tie), so one
 * upsert statement never touches a row twice.
 */
export function latestReports<T extends { report: PlatformReport }>(items: T[]): T[] {
  const winners = new Map<string, T>();
  for (const item of items) {
    const k = reportKey(item.report);
    const current = winners.get(k);
    if (!current || item.report.reportTime.getTime() >= current.report.reportTime.getTime()) winners.set(k, item);
  }
  return [...winners.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
}

/** Where a message sits in the ad-events topic. */
export interface KafkaPosition {
  partition: number;
  offset: bigint;
}

export interface PositionedEvent extends KafkaPosition {
  event: TrackedEvent;
}

export interface PositionedReport extends KafkaPosition {
  report: PlatformReport;
}
