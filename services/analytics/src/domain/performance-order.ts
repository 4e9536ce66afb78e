/**
 * order_by of ListCampaignPerformance and the key every row has under it. The key is total (a
 * unique campaign id ends it), so a page can start strictly after the last key of the previous one
 * (keyset paging, performance-page-token.ts).
 *
 * Money is never ordered across currencies: under a money column the key leads with the
 * currency code (A to Z whatever the direction), so 100 JPY never sorts beside 100 USD.
 */
import type { Violations } from "#common/errors.js";
import type { CampaignFacts } from "./insights.js";
import type { DerivedMetrics } from "./metrics.js";

export interface PerformanceRow {
  campaign: CampaignFacts;
  /** The campaign's zone, in which its range was read. */
  timeZone: string;
  metrics: DerivedMetrics;
}

const METRIC_FIELDS = {
  impressions: "impressions",
  clicks: "clicks",
  // The whole count orders like the exact one (rounding is monotone), without ties among fractions.
  conversions: "conversionsMicros",
  conversions_micros: "conversionsMicros",
  cost_micros: "costMicros",
  revenue_micros: "revenueMicros",
  filtered_events: "filteredEvents",
  ctr: "ctr",
  conversion_rate: "conversionRate",
  cpc_micros: "cpcMicros",
  cpm_micros: "cpmMicros",
  cpa_micros: "cpaMicros",
  roas: "roas",
} as const satisfies Record<string, keyof DerivedMetrics>;

export type MetricField = keyof typeof METRIC_FIELDS;
export type OrderField = MetricField | "campaign_id" | "campaign_name";

/** Amounts in the campaign's currency (roas is revenue over cost of one currency: a plain number). */
const MONEY_FIELDS: ReadonlySet<OrderField> = new Set<OrderField>(["cost_micros", "revenue_micros", "cpc_micros", "cpm_micros", "cpa_micros"]);
/** Ratios absent on a zero denominator (DESIGN §2). */
const OPTIONAL_FIELDS: ReadonlySet<OrderField> = new Set<OrderField>(["ctr", "conversion_rate", "cpc_micros", "cpm_micros", "cpa_micros", "roas"]);
const NUMBER_FIELDS: ReadonlySet<OrderField> = new Set<OrderField>(["ctr", "conversion_rate", "roas"]);
const STRING_FIELDS: ReadonlySet<OrderField> = new Set<OrderField>(["campaign_id", "campaign_name"]);

export type ValueKind = "string" | "number" | "bigint";

export interface Order {
  field: OrderField;
  descending: boolean;
}

export const ORDER_FIELDS: OrderField[] = ["campaign_id", "campaign_name", ...(Object.keys(METRIC_FIELDS) as OrderField[])];

export const isMoneyOrder = (order: Order) => MONEY_FIELDS.has(order.field);
export const isOptionalField = (field: OrderField) => OPTIONAL_FIELDS.has(field);
export const valueKind = (field: OrderField): ValueKind => (STRING_FIELDS.has(field) ? "string" : NUMBER_FIELDS.has(field) ? "number" : "bigint");

/** `cost_micros desc`, `ctr`, `campaign_name asc`; empty means campaign_id. */
export function parseOrder(orderBy: string, v: Violations): Order {
  const parts = orderBy.trim().split(/\s+/).filter(Boolean);
  if (parts.length === 0) return { field: "campaign_id", descending: false };
  const [field, direction, ...rest] = parts;
  const okField = ORDER_FIELDS.includes(field as OrderField);
  const okDirection = direction === undefined || /^(asc|desc)$/i.test(direction);
  if (!okField || !okDirection || rest.length > 0) {
    v.add("order_by", `must be one of ${ORDER_FIELDS.join(", ")}, optionally followed by " desc"`);
    return { field: "campaign_id", descending: false };
  }
  return { field: field as OrderField, descending: direction?.toLowerCase() === "desc" };
}

export type SortValue = bigint | number | string | undefined;

/** Where a row stands in the table under an order. */
export interface RowKey {
  /** Set only under a money column: the currency group the row belongs to. */
  currency?: string;
  value: SortValue;
  campaignId: string;
}

export function keyOf(row: PerformanceRow, order: Order): RowKey {
  const field = order.field;
  const value = field === "campaign_id" ? row.campaign.id : field === "campaign_name" ? row.campaign.name : row.metrics[METRIC_FIELDS[field]];
  return isMoneyOrder(order) ? { currency: row.campaign.currencyCode, value, campaignId: row.campaign.id } : { value, campaignId: row.campaign.id };
}

const ascending = <T extends bigint | number | string>(x: T, y: T) => (x < y ? -1 : x > y ? 1 : 0);

/** Currency A to Z; then the value in the order's direction, absent values last either way; then campaign id. */
export function compareKeys(a: RowKey, b: RowKey, order: Order): number {
  const byCurrency = ascending(a.currency ?? "", b.currency ?? "");
  if (byCurrency !== 0) return byCurrency;
  const x = a.value;
  const y = b.value;
  if (x === undefined || y === undefined) {
    if (x !== y) return x === undefined ? 1 : -1;
  } else if (x !== y) {
    return (x < y ? -1 : 1) * (order.descending ? -1 : 1);
  }
  return ascending(a.campaignId, b.campaignId);
}

/** Sorts in place by compareKeys. */
export function sortRows(rows: PerformanceRow[], order: Order): PerformanceRow[] {
  const keys = new Map(rows.map((r) => [r, keyOf(r, order)]));
  return rows.sort((a, b) => compareKeys(keys.get(a)!, keys.get(b)!, order));
}

/** One page of sorted rows: those strictly after `after` (all when null), at most `size`. */
export function pageAfter(sorted: PerformanceRow[], order: Order, after: RowKey | null, size: number): { rows: PerformanceRow[]; more: boolean } {
  const start = after === null ? 0 : sorted.findIndex((r) => compareKeys(keyOf(r, order), after, order) > 0);
  if (start < 0) return { rows: [], more: false };
  return { rows: sorted.slice(start, start + size), more: start + size < sorted.length };
}
