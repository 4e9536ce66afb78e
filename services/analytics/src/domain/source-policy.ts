/**
 * Tracked events and platform reports describe the same campaign from two sides (DESIGN §2.3): a
 * number that counts is taken from ONE of them, never their sum. Which one is decided per metric
 * and per platform:
 *
 * - Delivery — impressions, clicks, cost_micros — defaults to PLATFORM: the ad platform serves and
 *   bills the ads, so its counts are the system of record (spend only the platforms know).
 * - Outcomes — conversions (exact, in millionths), revenue_micros — default to TRACKED: first-party tracking sees what
 *   happened on the advertiser's side, deduplicated, without each platform's own attribution.
 * - filtered_events exists only in tracking.
 *
 * Fallback: when the default source has no data for a platform in the answer's range and filters,
 * the other source counts for that platform (a campaign tracked only on `direct`, or reported only
 * by Google Ads, still shows its numbers). The choice is made once per answer and applied to every
 * row and the totals, so rows add up to the totals. Breaking down by DIMENSION_SOURCE shows each
 * source's own numbers per row (the totals still follow this policy).
 */
import type { SourceKind } from "./insights-input.js";
import { addInto, zeroMetrics, type BaseMetrics } from "./metrics.js";

export type BaseMetricName = keyof BaseMetrics;

/** The documented default source per metric (README "Tracked vs platform"). */
export const DEFAULT_SOURCE: Readonly<Record<BaseMetricName, SourceKind>> = Object.freeze({
  impressions: "PLATFORM",
  clicks: "PLATFORM",
  costMicros: "PLATFORM",
  conversionsMicros: "TRACKED",
  revenueMicros: "TRACKED",
  filteredEvents: "TRACKED",
});

const METRICS = Object.keys(DEFAULT_SOURCE) as BaseMetricName[];
const OTHER: Record<SourceKind, SourceKind> = { TRACKED: "PLATFORM", PLATFORM: "TRACKED" };

/** Sums of one platform from one source. */
export interface SourcedMetrics {
  platform: string;
  source: SourceKind;
  metrics: BaseMetrics;
}

/** For one platform: the source each metric is taken from. */
export type MetricSources = Record<BaseMetricName, SourceKind>;

/** Per platform, the source of each metric, given which sources have data for it (any row, even of zeros). */
export function chooseSources(parts: Iterable<Pick<SourcedMetrics, "platform" | "source">>): Map<string, MetricSources> {
  const present = new Map<string, Set<SourceKind>>();
  for (const p of parts) {
    let set = present.get(p.platform);
    if (!set) present.set(p.platform, (set = new Set()));
    set.add(p.source);
  }
  const choice = new Map<string, MetricSources>();
  for (const [platform, sources] of present) {
    const perMetric = {} as MetricSources;
    for (const m of METRICS) {
      const preferred = DEFAULT_SOURCE[m];
      perMetric[m] = sources.has(preferred) ? preferred : OTHER[preferred];
    }
    choice.set(platform, perMetric);
  }
  return choice;
}

/** The part of one source's sums that counts: metrics taken from the other source are zero. */
export function countedPart(metrics: BaseMetrics, source: SourceKind, sources: MetricSources | undefined): BaseMetrics {
  const out = zeroMetrics();
  for (const m of METRICS) if ((sources ?? DEFAULT_SOURCE)[m] === source) out[m] = metrics[m];
  return out;
}

/** What counts of many platforms' per-source sums: each metric of each platform from one source. */
export function combineSources(parts: SourcedMetrics[]): BaseMetrics {
  const choice = chooseSources(parts);
  const total = zeroMetrics();
  for (const p of parts) addInto(total, countedPart(p.metrics, p.source, choice.get(p.platform)));
  return total;
}
