/**
 * ListCampaignPerformance: one row of totals per campaign, each campaign's range read in its own
 * time zone, sorted by any metric and paged.
 */
import type { CampaignFacts } from "./insights.js";
import type { PageTokens } from "#common/contract/page-token.js";
import { notFound, Violations } from "#common/errors.js";
import type { Logger } from "#common/logger.js";
import { rangeToUtc, type UtcInterval } from "./buckets.js";
import { checkDates, checkOrderAndSpan, resolveDateRange, type DateRangeInput } from "./date-range.js";
import { campaignZone, type CampaignLookup, type FreshnessReader } from "./insights.js";
import { deriveMetrics } from "./metrics.js";
import { combineSources, type SourcedMetrics } from "./source-policy.js";
import { decodePageToken, encodePageToken, parseOrder, requestFingerprint, sortRows, type Order, type PerformanceRow } from "./performance-order.js";

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 1000;
/** More explicit ids than a page can hold is a mistake, not a query. */
export const MAX_CAMPAIGN_IDS = 1000;

/** Every campaign of a tenant (the campaign service's list). */
export interface CampaignDirectory {
  list(tenantId: string, requestId?: string): Promise<CampaignFacts[]>;
}

/** A campaign and the UTC instants of its range. */
export interface CampaignWindow {
  campaignId: string;
  interval: UtcInterval;
  /** Where the campaign's platform reports are dated. */
  campaignTimeZone: string;
}

export interface TotalsReader {
  /** Sums per campaign, platform and source over its window; campaigns without data may be absent. */
  readTotals(tenantId: string, windows: CampaignWindow[]): Promise<Map<string, SourcedMetrics[]>>;
}

export interface PerformanceInput extends DateRangeInput {
  campaignIds: string[];
  orderBy: string;
  pageSize: number;
  pageToken: string;
}

export interface PerformancePage {
  rows: PerformanceRow[];
  nextPageToken: string;
  dataFreshness: Date;
}

export interface PerformanceDeps {
  campaigns: CampaignLookup;
  directory: CampaignDirectory;
  totals: TotalsReader;
  freshness: FreshnessReader;
  logger: Logger;
  pageTokens: PageTokens;
  now?: () => Date;
}

interface CheckedPerformanceInput {
  ids: string[];
  dates: DateRangeInput;
  order: Order;
  pageSize: number;
  offset: number;
  /** Identifies the request across pages. */
  fingerprint: string;
}

function checkInput(input: PerformanceInput, tokens: PageTokens, v: Violations): CheckedPerformanceInput {
  const ids = [
    ...new Set(
      input.campaignIds
        .flatMap((s) => s.split(","))
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ].sort();
  v.check(ids.length <= MAX_CAMPAIGN_IDS, "campaign_ids", `at most ${MAX_CAMPAIGN_IDS} campaign ids`);
  if (checkDates(input, v) && input.startDate && input.endDate) checkOrderAndSpan(input, "DAY", v);
  const order = parseOrder(input.orderBy, v);
  v.check(input.pageSize >= 0, "page_size", "must not be negative");
  const pageSize = Math.min(input.pageSize > 0 ? input.pageSize : DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
  const fingerprint = requestFingerprint([ids, input.startDate, input.endDate, order]);
  const offset = decodePageToken(tokens, input.pageToken, fingerprint, v);
  return { ids, dates: { startDate: input.startDate, endDate: input.endDate }, order, pageSize, offset, fingerprint };
}

export function createPerformanceService(deps: PerformanceDeps) {
  const now = deps.now ?? (() => new Date());

  async function campaignsOf(tenantId: string, ids: string[], requestId?: string): Promise<CampaignFacts[]> {
    if (ids.length === 0) return deps.directory.list(tenantId, requestId);
    const found = await Promise.all(ids.map((id) => deps.campaigns.get(tenantId, id, requestId)));
    const missing = ids.find((_, i) => !found[i]);
    if (missing !== undefined) throw notFound("campaign", missing);
    return found as CampaignFacts[];
  }

  return {
    async listCampaignPerformance(tenantId: string, input: PerformanceInput, requestId?: string): Promise<PerformancePage> {
      const v = new Violations();
      const checked = checkInput(input, deps.pageTokens, v);
      v.throwIfAny();
      const campaigns = await campaignsOf(tenantId, checked.ids, requestId);
      const windows = campaigns.map((c) => {
        const zone = campaignZone(c, deps.logger);
        const range = resolveDateRange(checked.dates, zone, "DAY", now(), v);
        return { campaign: c, zone, window: { campaignId: c.id, interval: rangeToUtc(range), campaignTimeZone: zone } };
      });
      v.throwIfAny();
      const dataFreshness = await deps.freshness.dataFreshness();
      const sums = await deps.totals.readTotals(
        tenantId,
        windows.map((w) => w.window),
      );
      const rows = windows.map((w) => ({ campaign: w.campaign, timeZone: w.zone, metrics: deriveMetrics(combineSources(sums.get(w.campaign.id) ?? [])) }));
      sortRows(rows, checked.order);
      const end = checked.offset + checked.pageSize;
      return {
        rows: rows.slice(checked.offset, end),
        nextPageToken: end < rows.length ? encodePageToken(deps.pageTokens, end, checked.fingerprint) : "",
        dataFreshness,
      };
    },
  };
}

export type PerformanceService = ReturnType<typeof createPerformanceService>;
