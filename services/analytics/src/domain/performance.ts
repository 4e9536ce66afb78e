/**
 * ListCampaignPerformance: one row of totals per campaign, each campaign's range read in its own
 * time zone, sorted by any column (money within its currency, performance-order.ts) and paged by
 * keyset (performance-page-token.ts). Ids that name none of the tenant's campaigns are listed as
 * unknown and the rest of the table is answered: one stale id in a dashboard's list must not
 * blank the whole table.
 */
import type { CampaignFacts } from "./insights.js";
import { CAMPAIGN_ID_RULE, isCampaignIdSyntax } from "#common/contract/campaign-id.js";
import type { PageTokens } from "#common/contract/page-token.js";
import { Violations } from "#common/errors.js";
import type { Logger } from "#common/logger.js";
import { quoteValue } from "#common/input/text-rules.js";
import { rangeToUtc, type UtcInterval } from "./buckets.js";
import { checkDates, checkOrderAndSpan, resolveDateRange, type DateRangeInput } from "./date-range.js";
import { campaignZone, type CampaignLookup, type FreshnessReader } from "./insights.js";
import { deriveMetrics } from "./metrics.js";
import { combineSources, type SourcedMetrics } from "./source-policy.js";
import { keyOf, pageAfter, parseOrder, sortRows, type Order, type PerformanceRow } from "./performance-order.js";
import { decodePerformanceToken, encodePerformanceToken, type PerformanceCursor, type PerformanceScope } from "./performance-page-token.js";

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
  /** ISO 4217 code; empty: every currency. */
  currencyCode: string;
}

export interface PerformancePage {
  rows: PerformanceRow[];
  nextPageToken: string;
  dataFreshness: Date;
  /** Requested ids that name none of the tenant's campaigns, in id order. */
  unknownCampaignIds: string[];
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
  currencyCode: string;
  order: Order;
  pageSize: number;
  scope: PerformanceScope;
  cursor: PerformanceCursor | null;
}

const CURRENCY_CODE = /^[A-Z]{3}$/;

function checkInput(tenantId: string, input: PerformanceInput, tokens: PageTokens, v: Violations): CheckedPerformanceInput {
  const ids = [
    ...new Set(
      input.campaignIds
        .flatMap((s) => s.split(","))
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ].sort();
  v.check(ids.length <= MAX_CAMPAIGN_IDS, "campaign_ids", `at most ${MAX_CAMPAIGN_IDS} campaign ids`);
  const malformed = ids.filter((id) => !isCampaignIdSyntax(id));
  if (malformed.length > 0)
    v.add("campaign_ids", `${quoteValue(malformed[0]!)}${malformed.length > 1 ? ` and ${malformed.length - 1} more` : ""}: ${CAMPAIGN_ID_RULE}`);
  const currencyCode = input.currencyCode.trim().toUpperCase();
  v.check(currencyCode === "" || CURRENCY_CODE.test(currencyCode), "currency_code", "must be an ISO 4217 currency code such as USD or EUR");
  if (checkDates(input, v) && input.startDate && input.endDate) checkOrderAndSpan(input, "DAY", v);
  const order = parseOrder(input.orderBy, v);
  v.check(input.pageSize >= 0, "page_size", "must not be negative");
  const pageSize = Math.min(input.pageSize > 0 ? input.pageSize : DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
  const scope: PerformanceScope = { tenantId, campaignIds: ids, startDate: input.startDate, endDate: input.endDate, currencyCode, order };
  const cursor = decodePerformanceToken(tokens, scope, input.pageToken, v);
  return { ids, dates: { startDate: input.startDate, endDate: input.endDate }, currencyCode, order, pageSize, scope, cursor };
}

export function createPerformanceService(deps: PerformanceDeps) {
  const now = deps.now ?? (() => new Date());

  /** The campaigns of the table; ids that name none of the tenant's campaigns are unknown, not an error. */
  async function campaignsOf(tenantId: string, ids: string[], requestId?: string): Promise<{ campaigns: CampaignFacts[]; unknown: string[] }> {
    if (ids.length === 0) return { campaigns: await deps.directory.list(tenantId, requestId), unknown: [] };
    const found = await Promise.all(ids.map((id) => deps.campaigns.get(tenantId, id, requestId)));
    return { campaigns: found.filter((c): c is CampaignFacts => c !== null), unknown: ids.filter((_, i) => !found[i]) };
  }

  return {
    async listCampaignPerformance(tenantId: string, input: PerformanceInput, requestId?: string): Promise<PerformancePage> {
      const v = new Violations();
      const checked = checkInput(tenantId, input, deps.pageTokens, v);
      v.throwIfAny();
      const asOf = checked.cursor?.asOf ?? now();
      const { campaigns, unknown } = await campaignsOf(tenantId, checked.ids, requestId);
      const windows = campaigns
        .filter((c) => checked.currencyCode === "" || c.currencyCode === checked.currencyCode)
        .map((c) => {
          const zone = campaignZone(c, deps.logger);
          const range = resolveDateRange(checked.dates, zone, "DAY", asOf, v);
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
      const page = pageAfter(rows, checked.order, checked.cursor?.after ?? null, checked.pageSize);
      const last = page.rows.at(-1);
      return {
        rows: page.rows,
        nextPageToken: page.more && last ? encodePerformanceToken(deps.pageTokens, checked.scope, { after: keyOf(last, checked.order), asOf }) : "",
        dataFreshness,
        unknownCampaignIds: unknown,
      };
    },
  };
}

export type PerformanceService = ReturnType<typeof createPerformanceService>;
