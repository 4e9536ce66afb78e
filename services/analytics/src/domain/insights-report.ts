/**
 * Turning grouped rollup sums into the report: every bucket × every breakdown combination that has
 * data in the range (exactly one row per bucket without breakdowns), zero-filled, in bucket order.
 */
import type { Bucket, Granularity } from "./buckets.js";
import type { Dimension, SourceKind } from "./insights-input.js";
import { addInto, deriveMetrics, sumMetrics, zeroMetrics, type BaseMetrics, type DerivedMetrics } from "./metrics.js";
import { chooseSources, countedPart } from "./source-policy.js";

/** One group of the SQL query: a bucket key and the breakdown values asked for ("" / null otherwise). */
export interface GroupedMetrics {
  bucketKey: string;
  platform: string;
  region: string;
  source: SourceKind | null;
  /** The conversion action slug ("" for numbers without one); null when not broken down by it. */
  conversionAction: string | null;
  metrics: BaseMetrics;
}

export interface InsightsRow {
  bucket: Bucket;
  platform: string;
  region: string;
  source: SourceKind | null;
  /** Set (possibly "") only when broken down by conversion action. */
  conversionAction: string | null;
  metrics: DerivedMetrics;
}

export interface InsightsReport {
  campaignId: string;
  currencyCode: string;
  timeZone: string;
  startDate: string;
  endDate: string;
  granularity: Granularity;
  totals: DerivedMetrics;
  rows: InsightsRow[];
  /** Every event accepted before this instant is included. */
  dataFreshness: Date;
}

type Combination = Pick<GroupedMetrics, "platform" | "region" | "source" | "conversionAction">;

/** Tracked before platform, as the Source enum numbers them. */
const SOURCE_RANK: Record<SourceKind, number> = { TRACKED: 1, PLATFORM: 2 };
const sourceRank = (s: SourceKind | null) => (s ? SOURCE_RANK[s] : 0);

/** Code-point order: stable whatever the process locale. */
const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

const comboKey = (c: Combination) => `${c.platform}\u0000${c.region}\u0000${c.source ?? ""}\u0000${c.conversionAction ?? "\u0001"}`;

/** Breakdown combinations present in the data, in a stable order (platform, region, source, conversion action). */
function combinations(groups: GroupedMetrics[], breakdowns: Dimension[]): Combination[] {
  if (breakdowns.length === 0) return [{ platform: "", region: "", source: null, conversionAction: null }];
  const byKey = new Map<string, Combination>();
  for (const g of groups) byKey.set(comboKey(g), { platform: g.platform, region: g.region, source: g.source, conversionAction: g.conversionAction });
  return [...byKey.values()].sort(
    (a, b) =>
      compareText(a.platform, b.platform) ||
      compareText(a.region, b.region) ||
      sourceRank(a.source) - sourceRank(b.source) ||
      compareText(a.conversionAction ?? "", b.conversionAction ?? ""),
  );
}

/**
 * The documented bound of one insights answer (README, DESIGN §2.4): a 31-day hourly report with
 * two breakdowns once came to 35,760 rows and 10 MB. Over it the request is INVALID_ARGUMENT
 * (TOO_MANY_ROWS) naming the cap and what to narrow; nothing is cut silently.
 */
export const MAX_INSIGHT_ROWS = 10_000;

/** How many rows assembleRows would return: every bucket × every combination with data. */
export function reportRowCount(buckets: Bucket[], groups: GroupedMetrics[], breakdowns: Dimension[]): number {
  return buckets.length * combinations(groups, breakdowns).length;
}

export function assembleRows(buckets: Bucket[], groups: GroupedMetrics[], breakdowns: Dimension[]): InsightsRow[] {
  const sums = new Map<string, BaseMetrics>();
  for (const g of groups) {
    // Without breakdowns the SQL already returns one group per bucket; adding keeps this exact anyway.
    const key = `${g.bucketKey}\u0001${breakdowns.length === 0 ? "" : comboKey(g)}`;
    const existing = sums.get(key);
    if (existing) addInto(existing, g.metrics);
    else sums.set(key, { ...g.metrics });
  }
  const combos = combinations(groups, breakdowns);
  const rows: InsightsRow[] = [];
  for (const bucket of buckets) {
    for (const combo of combos) {
      const key = `${bucket.key}\u0001${breakdowns.length === 0 ? "" : comboKey(combo)}`;
      rows.push({ bucket, ...combo, metrics: deriveMetrics(sums.get(key) ?? zeroMetrics()) });
    }
  }
  return rows;
}

/** Totals straight from the groups: the same numbers the rows add up to, with ratios from the sums. */
export function totalsOf(groups: GroupedMetrics[]): DerivedMetrics {
  return deriveMetrics(sumMetrics(groups.map((g) => g.metrics)));
}

/** A group as the store reads it: always per platform and source, whatever the breakdowns. */
export type SourcedGroup = GroupedMetrics & { source: SourceKind };

/**
 * Applies the source policy (source-policy.ts) to groups read per platform and source: `counted`
 * holds, per group, only the metrics that count (the totals are their sum); `rows` are the groups
 * for the breakdowns asked — counted ones folded over platform and source, or, when broken down
 * by source, each source's own numbers.
 */
export function applySourcePolicy(groups: SourcedGroup[], breakdowns: Dimension[]): { rows: GroupedMetrics[]; counted: GroupedMetrics[] } {
  const choice = chooseSources(groups);
  const counted = groups.map((g) => ({ ...g, metrics: countedPart(g.metrics, g.source, choice.get(g.platform)) }));
  const bySource = breakdowns.includes("SOURCE");
  const byPlatform = breakdowns.includes("PLATFORM");
  const byAction = breakdowns.includes("CONVERSION_ACTION");
  const rows = (bySource ? groups : counted).map((g) => ({
    ...g,
    platform: byPlatform ? g.platform : "",
    source: bySource ? g.source : null,
    conversionAction: byAction ? (g.conversionAction ?? "") : null,
  }));
  return { rows, counted };
}
