import { readPageToken, type PageTokens } from "#common/contract/page-token.js";
import { Violations } from "#common/errors.js";
import { CAMPAIGN_STATUSES, type CampaignStatus } from "./campaign.js";

export type OrderField = "create_time" | "update_time" | "name";

export interface ListQuery {
  pageSize: number;
  status: CampaignStatus | null;
  /** Case-insensitive substring of the name. */
  nameContains: string | null;
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
}

const DEFAULT_PAGE = 50;
const MAX_PAGE = 1000;

/**
 * Parses `filter` (`status=ACTIVE`, `name:spring`, joined by AND) and `order_by` (whitelisted),
 * and the opaque page token, which is bound to the filter and order it was issued for.
 */
export function parseListInput(input: ListInput, tokens: PageTokens): ListQuery {
  const v = new Violations();
  v.check(input.pageSize >= 0, "page_size", "must not be negative");
  const q: ListQuery = {
    pageSize: input.pageSize === 0 ? DEFAULT_PAGE : Math.min(input.pageSize, MAX_PAGE),
    status: null,
    nameContains: null,
    orderBy: "create_time",
    desc: true,
    after: null,
  };
  for (const term of input.filter
    .split(/\s+AND\s+/i)
    .map((t) => t.trim())
    .filter(Boolean)) {
    const status = /^status\s*=\s*"?([A-Za-z_]+)"?$/.exec(term);
    const name = /^name\s*:\s*"?(.*?)"?$/.exec(term);
    if (status) {
      const value = status[1]!.toUpperCase().replace(/^CAMPAIGN_STATUS_/, "");
      if (v.check((CAMPAIGN_STATUSES as readonly string[]).includes(value), "filter", `unknown status ${JSON.stringify(status[1])}`)) {
        q.status = value as CampaignStatus;
      }
    } else if (name && name[1]!.length > 0) {
      q.nameContains = name[1]!;
    } else {
      v.add("filter", `unsupported term ${JSON.stringify(term)}; use status=ACTIVE or name:text, joined by AND`);
    }
  }
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
  return `tally.campaign.v1.ListCampaigns:${JSON.stringify([q.status, q.nameContains, q.orderBy, q.desc])}`;
}

function cursor(payload: unknown): { value: string; id: string } | null {
  const t = payload as { v?: unknown; i?: unknown } | null;
  return t && typeof t.v === "string" && typeof t.i === "string" ? { value: t.v, id: t.i } : null;
}

export function encodePageToken(tokens: PageTokens, q: ListQuery, last: { value: string; id: string }): string {
  return tokens.seal(scope(q), { v: last.value, i: last.id });
}
