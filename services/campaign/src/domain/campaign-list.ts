import { readPageToken, type PageTokens } from "#common/contract/page-token.js";
import { Violations } from "#common/errors.js";
import { parseCampaignFilter, type FilterCondition } from "./campaign-filter.js";

export type OrderField = "create_time" | "update_time" | "name";

export interface ListQuery {
  pageSize: number;
  /** The filter's terms, all of which must hold (campaign-filter.ts). */
  conditions: FilterCondition[];
  /** Soft-deleted campaigns are listed too (AIP-164). */
  showDeleted: boolean;
  orderBy: OrderField;
  desc: boolean;
  /** Keyset cursor: the sort value and id of the last row of the previous page. */
  after: { value: string; id: string } | null;
}

export interface ListInput {
  pageSize: number;
  pageToken: string;
  filter: string;
  orderBy: string;
  showDeleted: boolean;
}

const DEFAULT_PAGE = 50;
const MAX_PAGE = 1000;

/**
 * Parses `filter` (campaign-filter.ts) and `order_by` (whitelisted), and the opaque page token,
 * which is bound to the filter, order and show_deleted it was issued for.
 */
export function parseListInput(input: ListInput, tokens: PageTokens): ListQuery {
  const v = new Violations();
  v.check(input.pageSize >= 0, "page_size", "must not be negative");
  const q: ListQuery = {
    pageSize: input.pageSize === 0 ? DEFAULT_PAGE : Math.min(input.pageSize, MAX_PAGE),
    conditions: [],
    showDeleted: input.showDeleted,
    orderBy: "create_time",
    desc: true,
    after: null,
  };
  const filter = parseCampaignFilter(input.filter);
  q.conditions = filter.conditions;
  for (const p of filter.problems) v.add("filter", `at character ${p.position}: ${p.message}`);
  const order = /^\s*(create_time|update_time|name)(?:\s+(asc|desc))?\s*$/i.exec(input.orderBy);
  if (input.orderBy.trim()) {
    if (v.check(order !== null, "order_by", "must be create_time, update_time or name, optionally followed by asc or desc")) {
      q.orderBy = order![1]!.toLowerCase() as OrderField;
      q.desc = order![2]?.toLowerCase() === "desc" || (order![2] === undefined && q.orderBy !== "name");
    }
  }
  q.after = readPageToken(tokens, scope(q), input.pageToken, cursor, v);
  v.throwIfAny();
  return q;
}

/** A token is bound to the filter and order it was issued for (contract/page-token.ts). */
function scope(q: ListQuery): string {
  return `tally.campaign.v1.ListCampaigns:${JSON.stringify([q.conditions, q.showDeleted, q.orderBy, q.desc])}`;
}

function cursor(payload: unknown): { value: string; id: string } | null {
  const t = payload as { v?: unknown; i?: unknown } | null;
  return t && typeof t.v === "string" && typeof t.i === "string" ? { value: t.v, id: t.i } : null;
}

export function encodePageToken(tokens: PageTokens, q: ListQuery, last: { value: string; id: string }): string {
  return tokens.seal(scope(q), { v: last.value, i: last.id });
}
