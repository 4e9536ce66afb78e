/**
 * GetCampaignSourceComparison: per day and platform, what tracking counted beside what the
 * platform reported, with the discrepancy — the reconciliation marketers do by hand. Days are read
 * in the report time zone; the default, the campaign's, is the zone platforms date their rows in,
 * so a day compares exactly the same day on both sides.
 */
import { Violations } from "#common/errors.js";
import type { Logger } from "#common/logger.js";
import { enumerateBuckets, rangeToUtc } from "./buckets.js";
import { resolveDateRange } from "./date-range.js";
import { campaignZone, requireCampaign, tooManyRows, type CampaignLookup, type FreshnessReader, type InsightsReader } from "./insights.js";
import { checkInsightsInput } from "./insights-input.js";
import { MAX_INSIGHT_ROWS } from "./insights-report.js";
import { addInto, wholeConversions, zeroMetrics, type BaseMetrics } from "./metrics.js";

/** One metric from both sides. */
export interface MetricComparison {
  tracked: bigint;
  platform: bigint;
  /** platform − tracked. */
  difference: bigint;
  /** difference / tracked; absent when tracked is 0 (no base to be relative to). */
  relativeDifference?: number;
}

/** Compared as summed; `conversions` (whole) is derived from each side's exact conversionsMicros. */
export const COMPARED_SUMS = ["impressions", "clicks", "conversionsMicros", "costMicros", "revenueMicros"] as const;
export type ComparedMetric = (typeof COMPARED_SUMS)[number] | "conversions";

export interface SourceComparisonRow {
  /** YYYY-MM-DD; "" for a whole-range total. */
  date: string;
  platform: string;
  metrics: Record<ComparedMetric, MetricComparison>;
}

export interface SourceComparison {
  campaignId: string;
  currencyCode: string;
  timeZone: string;
  startDate: string;
  endDate: string;
  rows: SourceComparisonRow[];
  rangeTotals: SourceComparisonRow[];
  dataFreshness: Date;
}

export interface SourceComparisonInput {
  campaignId: string;
  startDate: string;
  endDate: string;
  platforms: string[];
  timeZone: string;
}

/** The discrepancy of one metric; the relative one uses tracking as the base. */
export function compareMetric(tracked: bigint, platform: bigint): MetricComparison {
  const difference = platform - tracked;
  const out: MetricComparison = { tracked, platform, difference };
  if (tracked !== 0n) out.relativeDifference = Number(difference) / Number(tracked);
  return out;
}

/**
 * Each metric from both sides' sums. Whole conversions compare each side's own rounded count (as
 * Metrics.conversions shows it), so tracked, platform and difference agree with each other; the
 * exact discrepancy is conversionsMicros's.
 */
export function compareSums(tracked: BaseMetrics, platform: BaseMetrics): Record<ComparedMetric, MetricComparison> {
  const out = {} as Record<ComparedMetric, MetricComparison>;
  for (const m of COMPARED_SUMS) out[m] = compareMetric(tracked[m], platform[m]);
  out.conversions = compareMetric(wholeConversions(tracked.conversionsMicros), wholeConversions(platform.conversionsMicros));
  return out;
}

export interface SourceComparisonDeps {
  campaigns: CampaignLookup;
  rollups: InsightsReader;
  freshness: FreshnessReader;
  logger: Logger;
  now?: () => Date;
}

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function createSourceComparisonService(deps: SourceComparisonDeps) {
  const now = deps.now ?? (() => new Date());
  return {
    async getSourceComparison(tenantId: string, input: SourceComparisonInput, requestId?: string): Promise<SourceComparison> {
      const v = new Violations();
      const checked = checkInsightsInput({ ...input, granularity: "DAY", regions: [], breakdowns: [] }, v);
      v.throwIfAny();
      const campaign = await requireCampaign(deps.campaigns, tenantId, checked.campaignId, requestId);
      const campaignTimeZone = campaignZone(campaign, deps.logger);
      const range = resolveDateRange(checked.dates, checked.timeZone ?? campaignTimeZone, "DAY", now(), v);
      v.throwIfAny();
      const dataFreshness = await deps.freshness.dataFreshness();
      const groups = await deps.rollups.readInsights({
        tenantId,
        campaignId: campaign.id,
        interval: rangeToUtc(range),
        timeZone: range.timeZone,
        campaignTimeZone,
        granularity: "DAY",
        platforms: checked.platforms,
        regions: [],
        breakdowns: ["PLATFORM", "SOURCE"],
      });
      const buckets = enumerateBuckets(range, "DAY");
      const platforms = [...new Set(groups.map((g) => g.platform))].sort(compareText);
      if (buckets.length * platforms.length > MAX_INSIGHT_ROWS) throw tooManyRows(buckets.length * platforms.length, buckets.length);

      const sums = new Map<string, { tracked: BaseMetrics; platform: BaseMetrics }>();
      const sidesOf = (key: string) => {
        let sides = sums.get(key);
        if (!sides) sums.set(key, (sides = { tracked: zeroMetrics(), platform: zeroMetrics() }));
        return sides;
      };
      for (const g of groups) {
        const side = g.source === "TRACKED" ? "tracked" : "platform";
        addInto(sidesOf(`${g.bucketKey}\u0000${g.platform}`)[side], g.metrics);
        addInto(sidesOf(`\u0000${g.platform}`)[side], g.metrics);
      }
      const row = (date: string, key: string, platform: string): SourceComparisonRow => {
        const sides = sums.get(key) ?? { tracked: zeroMetrics(), platform: zeroMetrics() };
        return { date, platform, metrics: compareSums(sides.tracked, sides.platform) };
      };
      return {
        campaignId: campaign.id,
        currencyCode: campaign.currencyCode,
        timeZone: range.timeZone,
        startDate: range.startDate,
        endDate: range.endDate,
        rows: buckets.flatMap((b) => platforms.map((p) => row(b.label, `${b.key}\u0000${p}`, p))),
        rangeTotals: platforms.map((p) => row("", `\u0000${p}`, p)),
        dataFreshness,
      };
    },
  };
}

export type SourceComparisonService = ReturnType<typeof createSourceComparisonService>;
