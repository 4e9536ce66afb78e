/** InsightsReport ↔ JSON for the Redis cache: bigints travel as decimal strings, instants as ISO. */
import type { Bucket, Granularity } from "../domain/buckets.js";
import type { SourceKind } from "../domain/insights-input.js";
import type { InsightsReport } from "../domain/insights-report.js";
import type { DerivedMetrics } from "../domain/metrics.js";

const BIGINT_FIELDS = [
  "impressions",
  "clicks",
  "conversions",
  "conversionsMicros",
  "costMicros",
  "revenueMicros",
  "filteredEvents",
  "cpcMicros",
  "cpmMicros",
  "cpaMicros",
] as const;
const NUMBER_FIELDS = ["ctr", "conversionRate", "roas"] as const;

type MetricsJson = Record<string, string | number>;

interface ReportJson {
  campaignId: string;
  currencyCode: string;
  timeZone: string;
  startDate: string;
  endDate: string;
  granularity: Granularity;
  totals: MetricsJson;
  rows: {
    key: string;
    label: string;
    start?: string;
    end?: string;
    platform: string;
    region: string;
    source: SourceKind | null;
    conversionAction?: string | null;
    metrics: MetricsJson;
  }[];
  dataFreshness: string;
}

function metricsToJson(m: DerivedMetrics): MetricsJson {
  const out: MetricsJson = {};
  for (const f of BIGINT_FIELDS) if (m[f] !== undefined) out[f] = m[f]!.toString();
  for (const f of NUMBER_FIELDS) if (m[f] !== undefined) out[f] = m[f]!;
  return out;
}

function metricsFromJson(j: MetricsJson): DerivedMetrics {
  const out: Record<string, bigint | number> = {};
  for (const f of BIGINT_FIELDS) if (j[f] !== undefined) out[f] = BigInt(j[f]!);
  for (const f of NUMBER_FIELDS) if (j[f] !== undefined) out[f] = Number(j[f]);
  return out as unknown as DerivedMetrics;
}

export function encodeReport(r: InsightsReport): string {
  const json: ReportJson = {
    ...r,
    totals: metricsToJson(r.totals),
    rows: r.rows.map((row) => ({
      key: row.bucket.key,
      label: row.bucket.label,
      start: row.bucket.interval?.start.toISOString(),
      end: row.bucket.interval?.end.toISOString(),
      platform: row.platform,
      region: row.region,
      source: row.source,
      conversionAction: row.conversionAction,
      metrics: metricsToJson(row.metrics),
    })),
    dataFreshness: r.dataFreshness.toISOString(),
  };
  return JSON.stringify(json);
}

export function decodeReport(text: string): InsightsReport {
  const j = JSON.parse(text) as ReportJson;
  // Rows of one bucket share one Bucket object, as assembleRows builds them.
  const buckets = new Map<string, Bucket>();
  const bucketOf = (row: ReportJson["rows"][number]): Bucket => {
    let b = buckets.get(row.key);
    if (!b) {
      b = { key: row.key, label: row.label, ...(row.start && row.end ? { interval: { start: new Date(row.start), end: new Date(row.end) } } : {}) };
      buckets.set(row.key, b);
    }
    return b;
  };
  return {
    ...j,
    totals: metricsFromJson(j.totals),
    rows: j.rows.map((row) => ({
      bucket: bucketOf(row),
      platform: row.platform,
      region: row.region,
      source: row.source,
      // Entries cached before the dimension existed carry none: not broken down by it.
      conversionAction: row.conversionAction ?? null,
      metrics: metricsFromJson(row.metrics),
    })),
    dataFreshness: new Date(j.dataFreshness),
  };
}
