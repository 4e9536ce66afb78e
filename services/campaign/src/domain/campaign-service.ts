import { randomUUID } from "node:crypto";
import type { PageTokens } from "../../../common/src/contract/page-token.js";
import { AppError, notFound, Violations } from "../../../common/src/errors.js";
import { etagOf, MUTABLE_FIELDS, type Campaign, type CampaignEventType, type CampaignFields, type MutablePath } from "./campaign.js";
import { DELETABLE_STATUSES, FROZEN_AFTER_LAUNCH, TRANSITIONS, UPDATABLE_STATUSES, type LifecycleAction } from "./campaign-lifecycle.js";
import { encodePageToken, parseListInput, type ListInput, type ListQuery } from "./campaign-list.js";
import { normalizeFields, validateFields } from "./campaign-validation.js";

/** Persistence of campaigns; every write also records its CampaignEvent in the outbox, atomically. */
export interface CampaignStore {
  /** Inserts; with a requestId seen before, returns the campaign that request created instead. */
  insert(campaign: Campaign, requestId: string | null): Promise<Campaign>;
  get(tenantId: string, id: string): Promise<Campaign | null>;
  /** Writes `next` only if the stored version is still `expectedVersion`; false otherwise. */
  save(next: Campaign, expectedVersion: number, event: CampaignEventType): Promise<boolean>;
  /** Soft-deletes if the stored version is still `expectedVersion`; false otherwise. */
  softDelete(current: Campaign, expectedVersion: number): Promise<boolean>;
  list(tenantId: string, query: ListQuery): Promise<Campaign[]>;
}

const concurrentChange = () => new AppError("ABORTED", "CONCURRENT_MODIFICATION", "the campaign changed meanwhile; read it again and retry");

export class CampaignService {
  constructor(
    private readonly store: CampaignStore,
    private readonly pageTokens: PageTokens,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async create(tenantId: string, input: CampaignFields, requestId: string): Promise<Campaign> {
    const fields = normalizeFields(input);
    const v = new Violations();
    validateFields(fields, v);
    v.check(requestId.length <= 64, "request_id", "must be at most 64 characters");
    v.throwIfAny();
    const now = this.now();
    const campaign: Campaign = {
      ...fields,
      type: fields.type as Campaign["type"],
      channels: fields.channels as Campaign["channels"],
      id: randomUUID(),
      tenantId,
      status: "DRAFT",
      createTime: now,
      updateTime: now,
      launchTime: null,
      version: 1,
    };
    return this.store.insert(campaign, requestId || null);
  }

  async get(tenantId: string, id: string): Promise<Campaign> {
    const v = new Violations();
    v.check(id.length > 0, "id", "is required");
    v.throwIfAny();
    const c = await this.store.get(tenantId, id);
    if (!c) throw notFound("campaign", id);
    return c;
  }

  async list(tenantId: string, input: ListInput): Promise<{ campaigns: Campaign[]; nextPageToken: string }> {
    const query = parseListInput(input, this.pageTokens);
    const rows = await this.store.list(tenantId, { ...query, pageSize: query.pageSize + 1 });
    const page = rows.slice(0, query.pageSize);
    const last = page[page.length - 1];
    const nextPageToken = rows.length > query.pageSize && last ? encodePageToken(this.pageTokens, query, { value: sortValue(last, query), id: last.id }) : "";
    return { campaigns: page, nextPageToken };
  }

  async update(tenantId: string, id: string, etag: string, input: CampaignFields, mask: string[]): Promise<Campaign> {
    const v = new Violations();
    const paths = new Set<MutablePath>();
    for (const p of mask.includes("*") ? Object.keys(MUTABLE_FIELDS) : mask) {
      if (p in MUTABLE_FIELDS) paths.add(p as MutablePath);
      else v.add("update_mask", `${JSON.stringify(p)} cannot be updated; allowed: ${Object.keys(MUTABLE_FIELDS).join(", ")}`);
    }
    v.check(mask.length > 0, "update_mask", "must name at least one field");
    v.throwIfAny();
    const current = await this.current(tenantId, id, etag);
    if (!UPDATABLE_STATUSES.includes(current.status)) {
      throw new AppError("FAILED_PRECONDITION", "INVALID_STATE", `a ${current.status} campaign cannot be updated; only DRAFT or PAUSED`);
    }
    const merged = normalizeFields({ ...current, ...pick(input, paths) });
    validateFields(merged, v, "campaign.", paths);
    if (current.launchTime) {
      for (const p of FROZEN_AFTER_LAUNCH) {
        if (paths.has(p) && merged[MUTABLE_FIELDS[p]] !== current[MUTABLE_FIELDS[p]]) v.add(`campaign.${p}`, "cannot change after launch");
      }
    }
    v.throwIfAny();
    const next: Campaign = { ...current, ...(merged as Partial<Campaign>), updateTime: this.now(), version: current.version + 1 };
    if (!(await this.store.save(next, current.version, "UPDATED"))) throw concurrentChange();
    return next;
  }

  async transition(tenantId: string, id: string, etag: string, action: LifecycleAction): Promise<Campaign> {
    const rule = TRANSITIONS[action];
    const current = await this.current(tenantId, id, etag);
    if (!rule.from.includes(current.status)) {
      throw new AppError("FAILED_PRECONDITION", "INVALID_TRANSITION", `cannot ${action} a ${current.status} campaign; allowed from ${rule.from.join(", ")}`, {
        metadata: { from: current.status, action },
      });
    }
    const now = this.now();
    const next: Campaign = { ...current, status: rule.to, updateTime: now, version: current.version + 1 };
    if (action === "launch") next.launchTime ??= now;
    if (!(await this.store.save(next, current.version, rule.event))) throw concurrentChange();
    return next;
  }

  async delete(tenantId: string, id: string, etag: string): Promise<void> {
    const current = await this.current(tenantId, id, etag);
    if (!DELETABLE_STATUSES.includes(current.status)) {
      throw new AppError("FAILED_PRECONDITION", "INVALID_STATE", `a ${current.status} campaign cannot be deleted; complete or cancel it first`);
    }
    if (!(await this.store.softDelete(current, current.version))) throw concurrentChange();
  }

  /** Loads the campaign and checks the caller's etag, when one was sent. */
  private async current(tenantId: string, id: string, etag: string): Promise<Campaign> {
    const c = await this.get(tenantId, id);
    if (etag && etag !== etagOf(c)) {
      throw new AppError("ABORTED", "ETAG_MISMATCH", `etag ${etag} is stale; the campaign is now at ${etagOf(c)}`);
    }
    return c;
  }
}

function pick(input: CampaignFields, paths: Set<MutablePath>): Partial<CampaignFields> {
  const out: Partial<CampaignFields> = {};
  for (const p of paths) {
    const key = MUTABLE_FIELDS[p];
    (out as Record<string, unknown>)[key] = input[key];
  }
  return out;
}

function sortValue(c: Campaign, q: ListQuery): string {
  if (q.orderBy === "name") return c.name;
  return (q.orderBy === "create_time" ? c.createTime : c.updateTime).toISOString();
}
