/**
 * order_by and page tokens of ListCampaignPerformance. A page token (contract/page-token.ts) holds
 * the offset and is scoped to the request's parameters, so it cannot be reused with others.
 */
import { readPageToken, type PageTokens } from "#common/contract/page-token.js";
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

export type OrderField = keyof typeof METRIC_FIELDS | "campaign_id" | "campaign_name";

export interface Order {
  field: OrderField;
  descending: boolean;
}

export const ORDER_FIELDS: OrderField[] = ["campaign_id", "campaign_name", ...(Object.keys(METRIC_FIELDS) as OrderField[])];

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

type Sortable = bigint | number | string | undefined;

function valueOf(row: PerformanceRow, field: OrderField): Sortable {
  if (field === "campaign_id") return row.campaign.id;
  if (field === "campaign_name") return row.campaign.name;
  return row.metrics[METRIC_FIELDS[field]];
}

/** Sorts in place: absent ratios last in either direction, ties by campaign id. */
export function sortRows(rows: PerformanceRow[], order: Order): PerformanceRow[] {
  const sign = order.descending ? -1 : 1;
  return rows.sort((a, b) => {
    const x = valueOf(a, order.field);
    const y = valueOf(b, order.field);
    if (x === undefined || y === undefined) {
      if (x !== y) return x === undefined ? 1 : -1;
    } else if (x !== y) {
      return (x < y ? -1 : 1) * sign;
    }
    return a.campaign.id < b.campaign.id ? -1 : a.campaign.id > b.campaign.id ? 1 : 0;
  });
}

/** The scope page tokens of this request are bound to. */
export function requestFingerprint(parts: unknown): string {
  return `tally.analytics.v1.ListCampaignPerformance:${JSON.stringify(parts)}`;
}

export function encodePageToken(tokens: PageTokens, offset: number, fingerprint: string): string {
  return tokens.seal(fingerprint, offset);
}

const offsetOf = (p: unknown) => (typeof p === "number" && Number.isSafeInteger(p) && p >= 0 ? p : null);

/** The offset a token points at (0 for none); records a violation when it is forged or from another request. */
export function decodePageToken(tokens: PageTokens, token: string, fingerprint: string, v: Violations): number {
  return readPageToken(tokens, fingerprint, token, offsetOf, v) ?? 0;
}
