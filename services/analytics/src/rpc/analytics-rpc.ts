/** tally.analytics.v1.AnalyticsService handlers: decode → domain → encode, nothing else. */
import {
  GetCampaignInsightsResponse,
  type AnalyticsServiceServer,
  type GetCampaignInsightsRequest,
  type GetCampaignSourceComparisonRequest,
  type GetCampaignSourceComparisonResponse,
  type ListCampaignPerformanceRequest,
  type ListCampaignPerformanceResponse,
  type ReaggregateCampaignRequest,
  type ReaggregateCampaignResponse,
  type StreamCampaignMetricsRequest,
  type StreamCampaignMetricsResponse,
} from "#gen/tally/analytics/v1/analytics.js";
import { edit, read } from "#common/auth.js";
import type { RpcKit } from "#common/rpc.js";
import type { InsightsService } from "../domain/insights.js";
import type { LiveMetricsService } from "../domain/live-metrics.js";
import type { PerformanceService } from "../domain/performance.js";
import type { ReaggregateService } from "../domain/reaggregate.js";
import type { SourceComparisonService } from "../domain/source-comparison.js";
import {
  fromInsightsRequest,
  fromPerformanceRequest,
  fromReaggregateRequest,
  fromSourceComparisonRequest,
  fromStreamRequest,
  toInsightsResponse,
  toPerformanceResponse,
  toReaggregateResponse,
  toSourceComparisonResponse,
  toStreamResponse,
} from "./convert.js";
import { convertedOnce } from "./encoded-once.js";
import { ifNoneMatchHits, INSIGHTS_CACHE_CONTROL, insightsEtag, NOT_MODIFIED_HEADER } from "./insights-etag.js";

export interface AnalyticsRpcDeps {
  kit: RpcKit;
  insights: InsightsService;
  performance: PerformanceService;
  live: LiveMetricsService;
  reaggregate: ReaggregateService;
  comparison: SourceComparisonService;
}

const M = "tally.analytics.v1.AnalyticsService";

/** The answer to a matching If-None-Match: no report (the client has it), NOT_MODIFIED_HEADER set. */
const NOT_MODIFIED: GetCampaignInsightsResponse = GetCampaignInsightsResponse.fromPartial({});

export function createAnalyticsRpc({ kit, insights, performance, live, reaggregate, comparison }: AnalyticsRpcDeps): AnalyticsServiceServer {
  // A cache hit returns the same report object: the same response object for it (server.ts then
  // encodes that once).
  const insightsResponse = convertedOnce(toInsightsResponse);
  return {
    getCampaignInsights: kit.unary<GetCampaignInsightsRequest, GetCampaignInsightsResponse, typeof read>(`${M}/GetCampaignInsights`, read, async (req, ctx) => {
      const report = await insights.getCampaignInsights(ctx.principal.tenantId, fromInsightsRequest(req), ctx.requestId);
      const etag = insightsEtag(ctx.principal.tenantId, report);
      ctx.responseHeaders = { etag, "cache-control": INSIGHTS_CACHE_CONTROL };
      if (!ifNoneMatchHits(ctx.header("if-none-match"), etag)) return insightsResponse(report);
      ctx.responseHeaders[NOT_MODIFIED_HEADER] = "1";
      return NOT_MODIFIED;
    }),
    listCampaignPerformance: kit.unary<ListCampaignPerformanceRequest, ListCampaignPerformanceResponse, typeof read>(
      `${M}/ListCampaignPerformance`,
      read,
      async (req, ctx) => toPerformanceResponse(await performance.listCampaignPerformance(ctx.principal.tenantId, fromPerformanceRequest(req), ctx.requestId)),
    ),
    streamCampaignMetrics: kit.serverStream<StreamCampaignMetricsRequest, StreamCampaignMetricsResponse, typeof read>(
      `${M}/StreamCampaignMetrics`,
      read,
      (req, ctx, send) => live.stream(ctx.principal.tenantId, fromStreamRequest(req), (t) => send(toStreamResponse(t)), ctx.signal, ctx.requestId),
    ),
    getCampaignSourceComparison: kit.unary<GetCampaignSourceComparisonRequest, GetCampaignSourceComparisonResponse, typeof read>(
      `${M}/GetCampaignSourceComparison`,
      read,
      async (req, ctx) =>
        toSourceComparisonResponse(await comparison.getSourceComparison(ctx.principal.tenantId, fromSourceComparisonRequest(req), ctx.requestId)),
    ),
    // Rewrites stored numbers: editors and owners only (API keys have no scope for it).
    reaggregateCampaign: kit.unary<ReaggregateCampaignRequest, ReaggregateCampaignResponse, typeof edit>(`${M}/ReaggregateCampaign`, edit, async (req, ctx) =>
      toReaggregateResponse(await reaggregate.reaggregateCampaign(ctx.principal.tenantId, fromReaggregateRequest(req), ctx.requestId)),
    ),
  };
}
