/** tally.analytics.v1 messages ↔ domain values: the only place that knows both. */
import {
  Dimension as DimensionPb,
  Granularity as GranularityPb,
  PacingState as PacingStatePb,
  type BudgetPacing as BudgetPacingPb,
  Source as SourcePb,
  type GetCampaignInsightsRequest,
  type GetCampaignInsightsResponse,
  type GetCampaignSourceComparisonRequest,
  type GetCampaignSourceComparisonResponse,
  type MetricComparison as MetricComparisonPb,
  type SourceComparisonRow as SourceComparisonRowPb,
  type InsightRow,
  type ListCampaignPerformanceRequest,
  type ListCampaignPerformanceResponse,
  type Metrics,
  type ReaggregateCampaignRequest,
  type ReaggregateCampaignResponse,
  type StreamCampaignMetricsRequest,
  type StreamCampaignMetricsResponse,
} from "#gen/tally/analytics/v1/analytics.js";
import type { Granularity } from "../domain/buckets.js";
import type { Dimension, InsightsInput, SourceKind, Unrecognized } from "../domain/insights-input.js";
import type { InsightsReport, InsightsRow } from "../domain/insights-report.js";
import type { LiveTotals, StreamInput } from "../domain/live-metrics.js";
import type { DerivedMetrics } from "../domain/metrics.js";
import type { BudgetPacing, PacingState } from "../domain/budget-pacing.js";
import type { PerformanceInput, PerformancePage } from "../domain/performance.js";
import type { ReaggregateInput, ReaggregateResult } from "../domain/reaggregate.js";
import type { MetricComparison, SourceComparison, SourceComparisonInput, SourceComparisonRow } from "../domain/source-comparison.js";

const GRANULARITY_IN: Partial<Record<GranularityPb, Granularity | Unrecognized>> = {
  [GranularityPb.GRANULARITY_UNSPECIFIED]: "UNSPECIFIED",
  [GranularityPb.GRANULARITY_HOUR]: "HOUR",
  [GranularityPb.GRANULARITY_DAY]: "DAY",
  [GranularityPb.GRANULARITY_WEEK]: "WEEK",
  [GranularityPb.GRANULARITY_MONTH]: "MONTH",
  [GranularityPb.GRANULARITY_TOTAL]: "TOTAL",
};

const GRANULARITY_OUT: Record<Granularity, GranularityPb> = {
  HOUR: GranularityPb.GRANULARITY_HOUR,
  DAY: GranularityPb.GRANULARITY_DAY,
  WEEK: GranularityPb.GRANULARITY_WEEK,
  MONTH: GranularityPb.GRANULARITY_MONTH,
  TOTAL: GranularityPb.GRANULARITY_TOTAL,
};

const DIMENSION_IN: Partial<Record<DimensionPb, Dimension | Unrecognized>> = {
  [DimensionPb.DIMENSION_UNSPECIFIED]: "UNSPECIFIED",
  [DimensionPb.DIMENSION_PLATFORM]: "PLATFORM",
  [DimensionPb.DIMENSION_REGION]: "REGION",
  [DimensionPb.DIMENSION_SOURCE]: "SOURCE",
  [DimensionPb.DIMENSION_CONVERSION_ACTION]: "CONVERSION_ACTION",
};

const SOURCE_OUT: Record<SourceKind, SourcePb> = { TRACKED: SourcePb.SOURCE_TRACKED, PLATFORM: SourcePb.SOURCE_PLATFORM };

export function fromInsightsRequest(req: GetCampaignInsightsRequest): InsightsInput {
  return {
    campaignId: req.campaignId,
    startDate: req.startDate.trim(),
    endDate: req.endDate.trim(),
    granularity: GRANULARITY_IN[req.granularity] ?? "UNRECOGNIZED",
    platforms: req.platforms,
    regions: req.regions,
    breakdowns: req.breakdowns.map((d) => DIMENSION_IN[d] ?? "UNRECOGNIZED"),
    timeZone: req.timeZone.trim(),
  };
}

export function toGranularity(g: Granularity): GranularityPb {
  return GRANULARITY_OUT[g];
}

/** Base counts always present (int64 as decimal strings); ratios only when defined. */
export function toMetrics(m: DerivedMetrics): Metrics {
  return {
    impressions: m.impressions.toString(),
    clicks: m.clicks.toString(),
    conversions: m.conversions.toString(),
    conversionsMicros: m.conversionsMicros.toString(),
    costMicros: m.costMicros.toString(),
    revenueMicros: m.revenueMicros.toString(),
    filteredEvents: m.filteredEvents.toString(),
    ctr: m.ctr,
    conversionRate: m.conversionRate,
    cpcMicros: m.cpcMicros?.toString(),
    cpmMicros: m.cpmMicros?.toString(),
    cpaMicros: m.cpaMicros?.toString(),
    roas: m.roas,
  };
}

function toInsightRow(row: InsightsRow): InsightRow {
  return {
    startTime: row.bucket.interval?.start,
    endTime: row.bucket.interval?.end,
    bucket: row.bucket.label,
    // Set only for the dimensions broken down by: no `"platform":""` in JSON. (Platforms are
    // never empty and an unknown region is ZZ, so "" means "not broken down".)
    platform: row.platform === "" ? undefined : row.platform,
    region: row.region === "" ? undefined : row.region,
    source: row.source ? SOURCE_OUT[row.source] : undefined,
    // "" is a real value here (numbers tied to no action), so only null means "not broken down".
    conversionAction: row.conversionAction ?? undefined,
    metrics: toMetrics(row.metrics),
  };
}

export function toInsightsResponse(report: InsightsReport): GetCampaignInsightsResponse {
  return {
    campaignId: report.campaignId,
    currencyCode: report.currencyCode,
    timeZone: report.timeZone,
    startDate: report.startDate,
    endDate: report.endDate,
    granularity: toGranularity(report.granularity),
    totals: toMetrics(report.totals),
    rows: report.rows.map(toInsightRow),
    freshnessTime: report.dataFreshness,
  };
}

export function fromPerformanceRequest(req: ListCampaignPerformanceRequest): PerformanceInput {
  return {
    campaignIds: req.campaignIds,
    startDate: req.startDate.trim(),
    endDate: req.endDate.trim(),
    orderBy: req.orderBy,
    pageSize: req.pageSize,
    pageToken: req.pageToken.trim(),
    currencyCode: req.currencyCode,
  };
}

export function toPerformanceResponse(page: PerformancePage): ListCampaignPerformanceResponse {
  return {
    rows: page.rows.map((r) => ({
      campaignId: r.campaign.id,
      campaignName: r.campaign.name,
      currencyCode: r.campaign.currencyCode,
      timeZone: r.timeZone,
      metrics: toMetrics(r.metrics),
    })),
    nextPageToken: page.nextPageToken,
    freshnessTime: page.dataFreshness,
    unknownCampaignIds: page.unknownCampaignIds,
  };
}

export function fromStreamRequest(req: StreamCampaignMetricsRequest): StreamInput {
  return { campaignId: req.campaignId, startDate: req.startDate.trim(), timeZone: req.timeZone.trim() };
}

const PACING_STATE_OUT: Record<PacingState, PacingStatePb> = {
  ON_TRACK: PacingStatePb.PACING_STATE_ON_TRACK,
  APPROACHING: PacingStatePb.PACING_STATE_APPROACHING,
  EXCEEDED: PacingStatePb.PACING_STATE_EXCEEDED,
};

export function toBudgetPacing(p: BudgetPacing): BudgetPacingPb {
  return { spendMicros: p.spendMicros.toString(), budgetMicros: p.budgetMicros.toString(), budgetUtilization: p.utilization, state: PACING_STATE_OUT[p.state] };
}

export function toStreamResponse(t: LiveTotals): StreamCampaignMetricsResponse {
  return { campaignId: t.campaignId, totals: toMetrics(t.totals), freshnessTime: t.dataFreshness, pacing: t.pacing ? toBudgetPacing(t.pacing) : undefined };
}

export function fromReaggregateRequest(req: ReaggregateCampaignRequest): ReaggregateInput {
  return { campaignId: req.campaignId, startDate: req.startDate.trim(), endDate: req.endDate.trim() };
}

export function toReaggregateResponse(r: ReaggregateResult): ReaggregateCampaignResponse {
  return { changedBuckets: r.changedBuckets.toString(), before: toMetrics(r.before), after: toMetrics(r.after) };
}

export function fromSourceComparisonRequest(req: GetCampaignSourceComparisonRequest): SourceComparisonInput {
  return { campaignId: req.campaignId, startDate: req.startDate.trim(), endDate: req.endDate.trim(), platforms: req.platforms, timeZone: req.timeZone.trim() };
}

function toMetricComparison(c: MetricComparison): MetricComparisonPb {
  return { tracked: c.tracked.toString(), platform: c.platform.toString(), difference: c.difference.toString(), relativeDifference: c.relativeDifference };
}

function toSourceComparisonRow(r: SourceComparisonRow): SourceComparisonRowPb {
  const m = r.metrics;
  return {
    date: r.date,
    platform: r.platform,
    impressions: toMetricComparison(m.impressions),
    clicks: toMetricComparison(m.clicks),
    conversions: toMetricComparison(m.conversions),
    costMicros: toMetricComparison(m.costMicros),
    revenueMicros: toMetricComparison(m.revenueMicros),
    conversionsMicros: toMetricComparison(m.conversionsMicros),
  };
}

export function toSourceComparisonResponse(c: SourceComparison): GetCampaignSourceComparisonResponse {
  return {
    campaignId: c.campaignId,
    currencyCode: c.currencyCode,
    timeZone: c.timeZone,
    startDate: c.startDate,
    endDate: c.endDate,
    rows: c.rows.map(toSourceComparisonRow),
    rangeTotals: c.rangeTotals.map(toSourceComparisonRow),
    freshnessTime: c.dataFreshness,
  };
}
