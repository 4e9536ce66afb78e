/**
 * GetCampaignInsights: validate → find the campaign as the caller's tenant → resolve the range in
 * the report time zone → cached answer, or rollups grouped by local bucket, zero-filled.
 */
import { AppError, notFound, Violations } from "#common/errors.js";
import type { Logger } from "#common/logger.js";
import { enumerateBuckets, rangeToUtc, type Granularity, type UtcInterval } from "./buckets.js";
import { normalizeTimeZone, resolveDateRange } from "./date-range.js";
import { checkInsightsInput, type Dimension, type InsightsInput, type InsightsRequest } from "./insights-input.js";
import { applySourcePolicy, assembleRows, MAX_INSIGHT_ROWS, reportRowCount, totalsOf, type InsightsReport, type SourcedGroup } from "./insights-report.js";

/**
 * The campaign facts analytics needs, declared here so the domain depends on no transport (the
 * campaign client's CampaignFacts fits it).
 */
export interface CampaignFacts {
  id: string;
  name: string;
  currencyCode: string;
  /** IANA zone the campaign's dates are read in. */
  timeZone: string;
  /** Total budget in micros of currencyCode, a decimal string; budget pacing measures spend against it. Absent: unknown. */
  budgetMicros?: string;
}

/** Null when the tenant has no such campaign. */
export interface CampaignLookup {
  get(tenantId: string, campaignId: string, requestId?: string): Promise<CampaignFacts | null>;
}

export interface InsightsQuery {
  tenantId: string;
  campaignId: string;
  interval: UtcInterval;
  /** The report time zone: buckets are its local hours, days, weeks, months. */
  timeZone: string;
  /** The campaign's own zone, in which platform reports give their dates. */
  campaignTimeZone: string;
  granularity: Granularity;
  platforms: string[];
  regions: string[];
  breakdowns: Dimension[];
}

export interface InsightsReader {
  /**
   * Sums grouped by bucket key (see buckets.ts), platform, source, and region when broken down by
   * region: always per platform and source, so that the source policy can choose.
   */
  readInsights(query: InsightsQuery): Promise<SourcedGroup[]>;
}

export interface FreshnessReader {
  /** Every event accepted before this instant is in the rollups. */
  dataFreshness(): Promise<Date>;
}

/**
 * Cached reports. The key embeds the campaign's data generation, so new data for the campaign makes
 * every older answer unreachable at once. Implementations never throw: a cache that is down only
 * costs speed (keyFor then answers null and nothing is cached).
 */
export interface InsightsCache {
  keyFor(tenantId: string, request: InsightsRequest): Promise<string | null>;
  get(key: string): Promise<InsightsReport | null>;
  put(key: string, report: InsightsReport): Promise<void>;
}

export interface InsightsDeps {
  campaigns: CampaignLookup;
  rollups: InsightsReader;
  cache: InsightsCache;
  freshness: FreshnessReader;
  logger: Logger;
  now?: () => Date;
}

export interface InsightsService {
  getCampaignInsights(tenantId: string, input: InsightsInput, requestId?: string): Promise<InsightsReport>;
}

/** The campaign or NOT_FOUND (CAMPAIGN_NOT_FOUND): another tenant's campaign does not exist for the caller. */
export async function requireCampaign(campaigns: CampaignLookup, tenantId: string, campaignId: string, requestId?: string): Promise<CampaignFacts> {
  const campaign = await campaigns.get(tenantId, campaignId, requestId);
  if (!campaign) throw notFound("campaign", campaignId);
  return campaign;
}

/** The campaign's zone, or UTC if the campaign somehow carries a zone this runtime does not know. */
export function campaignZone(campaign: CampaignFacts, logger: Logger): string {
  const zone = normalizeTimeZone(campaign.timeZone);
  if (!zone) logger.warn({ campaignId: campaign.id, timeZone: campaign.timeZone }, "campaign has an unknown time zone; reporting in UTC");
  return zone ?? "UTC";
}

/** INVALID_ARGUMENT naming the cap, the count, and every request field that narrows the answer. */
export function tooManyRows(rows: number, buckets: number): AppError {
  const narrow = ["start_date", "end_date", "granularity", "breakdowns", "platforms", "regions"];
  return new AppError(
    "INVALID_ARGUMENT",
    "TOO_MANY_ROWS",
    `the report would have ${rows} rows (${buckets} buckets × ${rows / buckets} breakdown combinations); at most ${MAX_INSIGHT_ROWS} are allowed: ` +
      "narrow start_date/end_date, use a coarser granularity (e.g. GRANULARITY_DAY), fewer breakdowns, or filter platforms/regions",
    { metadata: { max_rows: String(MAX_INSIGHT_ROWS), rows: String(rows), narrow_fields: narrow.join(",") } },
  );
}

export function createInsightsService(deps: InsightsDeps): InsightsService {
  const now = deps.now ?? (() => new Date());

  async function resolveRequest(tenantId: string, input: InsightsInput, requestId?: string) {
    const v = new Violations();
    const checked = checkInsightsInput(input, v);
    v.throwIfAny();
    const campaign = await requireCampaign(deps.campaigns, tenantId, checked.campaignId, requestId);
    const ownZone = campaignZone(campaign, deps.logger);
    const timeZone = checked.timeZone ?? ownZone;
    const range = resolveDateRange(checked.dates, timeZone, checked.granularity, now(), v);
    v.throwIfAny();
    const { platforms, regions, breakdowns, granularity } = checked;
    const request: InsightsRequest = { campaignId: campaign.id, range, granularity, platforms, regions, breakdowns };
    return { campaign, request, campaignTimeZone: ownZone };
  }

  async function compute(tenantId: string, campaign: CampaignFacts, request: InsightsRequest, campaignTimeZone: string): Promise<InsightsReport> {
    const { range, granularity } = request;
    // Freshness is read before the rollups: anything flushed later only makes the answer fresher.
    const dataFreshness = await deps.freshness.dataFreshness();
    const read = await deps.rollups.readInsights({ tenantId, ...request, interval: rangeToUtc(range), timeZone: range.timeZone, campaignTimeZone });
    // Tracked and platform numbers of the same metric are never added: one source counts.
    const { rows: groups, counted } = applySourcePolicy(read, request.breakdowns);
    const buckets = enumerateBuckets(range, granularity);
    const rowCount = reportRowCount(buckets, groups, request.breakdowns);
    if (rowCount > MAX_INSIGHT_ROWS) throw tooManyRows(rowCount, buckets.length);
    return {
      campaignId: campaign.id,
      currencyCode: campaign.currencyCode,
      timeZone: range.timeZone,
      startDate: range.startDate,
      endDate: range.endDate,
      granularity,
      totals: totalsOf(counted),
      rows: assembleRows(buckets, groups, request.breakdowns),
      dataFreshness,
    };
  }

  return {
    async getCampaignInsights(tenantId, input, requestId) {
      const { campaign, request, campaignTimeZone } = await resolveRequest(tenantId, input, requestId);
      // The generation is read before the data: a flush that lands in between bumps it, so the
      // answer computed below is stored under a key nobody will ask for again.
      const key = await deps.cache.keyFor(tenantId, request);
      const cached = key ? await deps.cache.get(key) : null;
      if (cached) return cached;
      const report = await compute(tenantId, campaign, request, campaignTimeZone);
      if (key) void deps.cache.put(key, report);
      return report;
    },
  };
}
