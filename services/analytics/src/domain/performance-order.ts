/**
 * order_by and page tokens of ListCampaignPerformance. A page token is opaque to clients: it holds
 * the offset and a fingerprint of the request, so a token cannot be reused with other parameters.
 */
import { createHash } from "node:crypto";
import type { Violations } from "../../../common/src/errors.js";
import type { CampaignInfo } from "../../../common/src/campaign-client.js";
import type { DerivedMetrics } from "./metrics.js";

export interface PerformanceRow {
  campaign: CampaignInfo;
  /** The campaign's zone, in which its range was read. */
  timeZone: string;
  metrics: DerivedMetrics;
}

const METRIC_FIELDS = {
  impressions: "impressions",
  clicks: "clicks",
  conversions: "conversions",
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

export function requestFingerprint(parts: unknown): string {
  return createHash("sha256").update(JSON.stringify(parts)).digest("base64url").slice(0, 16);
}

export function encodePageToken(offset: number, fingerprint: string): string {
  return Buffer.from(JSON.stringify({ o: offset, f: fingerprint })).toString("base64url");
}

/** The offset a token points at; records a violation when it is malformed or from another request. */
export function decodePageToken(token: string, fingerprint: string, v: Violations): number {
  if (token === "") return 0;
  try {
    const parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { o?: unknown; f?: unknown };
    if (typeof parsed.o === "number" && Number.isInteger(parsed.o) && parsed.o >= 0 && parsed.f === fingerprint) return parsed.o;
  } catch {
    // Falls through to the violation.
  }
  v.add("page_token", "is not a token from a previous response to this same request");
  return 0;
}
