/**
 * Page tokens of ListCampaignPerformance (contract/page-token.ts: HMAC-sealed, bound to a scope).
 *
 * The scope is the tenant and everything that decides the table: the ids asked for, the dates as
 * given, the currency filter and the order. page_size is not in it (AIP-158 lets it change between
 * pages). The payload is a keyset cursor — the key of the last row served — plus the instant the
 * first page was read, so that a default range ("the last 30 days up to today") stays the range of
 * the first page even when paging crosses midnight.
 */
import { readPageToken, type PageTokens } from "#common/contract/page-token.js";
import type { Violations } from "#common/errors.js";
import { isMoneyOrder, isOptionalField, valueKind, type Order, type RowKey, type SortValue } from "./performance-order.js";

export interface PerformanceScope {
  tenantId: string;
  campaignIds: string[];
  startDate: string;
  endDate: string;
  currencyCode: string;
  order: Order;
}

export interface PerformanceCursor {
  /** Key of the last row of the previous page. */
  after: RowKey;
  /** When the first page was read: the "today" of default dates. */
  asOf: Date;
}

interface CursorPayload {
  /** Currency group (money orders only). */
  c?: string;
  /** The sort value: bigint as a decimal string, null when absent. */
  v: string | number | null;
  i: string;
  /** asOf, ms since the epoch. */
  n: number;
}

function scopeOf(s: PerformanceScope): string {
  const request = [s.campaignIds, s.startDate, s.endDate, s.currencyCode, s.order.field, s.order.descending];
  return `tally.analytics.v1.AnalyticsService/ListCampaignPerformance/${s.tenantId}:${JSON.stringify(request)}`;
}

export function encodePerformanceToken(tokens: PageTokens, scope: PerformanceScope, cursor: PerformanceCursor): string {
  const { currency, value, campaignId } = cursor.after;
  const payload: CursorPayload = {
    v: value === undefined ? null : typeof value === "bigint" ? value.toString() : value,
    i: campaignId,
    n: cursor.asOf.getTime(),
  };
  if (currency !== undefined) payload.c = currency;
  return tokens.seal(scopeOf(scope), payload);
}

/** The cursor of a request's token (null for the first page); a `page_token` violation when it is not this request's. */
export function decodePerformanceToken(tokens: PageTokens, scope: PerformanceScope, token: string, v: Violations): PerformanceCursor | null {
  return readPageToken(tokens, scopeOf(scope), token, (p) => parseCursor(p, scope.order), v);
}

function parseCursor(payload: unknown, order: Order): PerformanceCursor | null {
  const p = payload as Partial<CursorPayload> | null;
  if (!p || typeof p !== "object" || typeof p.i !== "string" || !Number.isSafeInteger(p.n) || (p.n as number) < 0) return null;
  if (isMoneyOrder(order) !== (typeof p.c === "string")) return null;
  const value = parseValue(p.v, order);
  if (value === null) return null;
  const after: RowKey = { value: value.v, campaignId: p.i };
  if (typeof p.c === "string") after.currency = p.c;
  return { after, asOf: new Date(p.n as number) };
}

function parseValue(raw: unknown, order: Order): { v: SortValue } | null {
  if (raw === null) return isOptionalField(order.field) ? { v: undefined } : null;
  switch (valueKind(order.field)) {
    case "string":
      return typeof raw === "string" ? { v: raw } : null;
    case "number":
      return typeof raw === "number" && Number.isFinite(raw) ? { v: raw } : null;
    case "bigint":
      return typeof raw === "string" && /^-?\d{1,40}$/.test(raw) ? { v: BigInt(raw) } : null;
  }
}
