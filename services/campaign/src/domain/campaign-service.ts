import { randomUUID } from "node:crypto";
import { etagMismatch, type EtagPrecondition } from "#common/contract/etag.js";
import type { PageTokens } from "#common/contract/page-token.js";
import { AppError, notFound, Violations } from "#common/errors.js";
import { etagOf, MUTABLE_FIELDS, wireStatus, type Campaign, type CampaignEventType, type CampaignFields, type MutablePath } from "./campaign.js";
import { DELETABLE_STATUSES, FROZEN_AFTER_LAUNCH, TRANSITIONS, UPDATABLE_STATUSES, type LifecycleAction } from "./campaign-lifecycle.js";
import { encodePageToken, parseListInput, type ListInput, type ListQuery } from "./campaign-list.js";
import { normalizeFields, validateFields } from "./campaign-validation.js";

/** Persistence of campaigns; every write also records its CampaignEvent in the outbox, atomically. */
export interface CampaignStore {
  /** Inserts; with a requestId seen before, returns the campaign that request created instead. */
  insert(campaign: Campaign, requestId: string | null): Promise<Campaign>;
  /** Soft-deleted campaigns too (deleteTime set). */
  get(tenantId: string, id: string): Promise<Campaign | null>;
  /** Writes `next` (soft delete and undelete too) only if the stored version is still `expectedVersion`; false otherwise. */
  save(next: Campaign, expectedVersion: number, event: CampaignEventType): Promise<boolean>;
  list(tenantId: string, query: ListQuery): Promise<Campaign[]>;
}

const concurrentChange = (id: string) =>
  new AppError("ABORTED", "CONCURRENT_MODIFICATION", "the campaign changed meanwhile; read it again and retry", { metadata: { campaign_id: id } });

/** FAILED_PRECONDITION with a google.rpc.PreconditionFailure on the campaign (AIP-193). */
const preconditionFailed = (c: Campaign, type: string, message: string, metadata: Record<string, string> = {}) =>
  new AppError("FAILED_PRECONDITION", type, message, {
    metadata: { campaign_id: c.id, status: wireStatus(c.status), ...metadata },
    preconditions: [{ type, subject: `campaigns/${c.id}`, description: message }],
  });

export interface CampaignService {
  create(tenantId: string, input: CampaignFields, requestId: string): Promise<Campaign>;
  /** Soft-deleted campaigns too, with deleteTime set (AIP-164). */
  get(tenantId: string, id: string): Promise<Campaign>;
  list(tenantId: string, input: ListInput): Promise<{ campaigns: Campaign[]; nextPageToken: string }>;
  /** Changes the fields the mask names; only in an updatable status, and with a current etag when one is sent. */
  update(tenantId: string, id: string, pre: EtagPrecondition, input: CampaignFields, mask: string[]): Promise<Campaign>;
  /** Applies one lifecycle action (campaign-lifecycle.ts). */
  transition(tenantId: string, id: string, pre: EtagPrecondition, action: LifecycleAction): Promise<Campaign>;
  /** Soft delete (AIP-164): NOT_FOUND when already deleted. */
  delete(tenantId: string, id: string, pre: EtagPrecondition): Promise<Campaign>;
  /** Restores a soft-deleted campaign: ALREADY_EXISTS when it is live, or when its name was taken meanwhile. */
  undelete(tenantId: string, id: string, pre: EtagPrecondition): Promise<Campaign>;
}

export interface CampaignServiceDeps {
  store: CampaignStore;
  pageTokens: PageTokens;
  now?: () => Date;
}

export function createCampaignService({ store, pageTokens, now = () => new Date() }: CampaignServiceDeps): CampaignService {
  const get = async (tenantId: string, id: string): Promise<Campaign> => {
    const v = new Violations();
    v.check(id.length > 0, "id", "is required");
    v.throwIfAny();
    const c = await store.get(tenantId, id);
    if (!c) throw notFound("campaign", id);
    return c;
  };

  /**
   * Loads the campaign and checks the caller's etags (the request field and If-Match), when sent.
   * A mismatch is ABORTED (409), as AIP-154 and DESIGN §2 say, not HTTP's 412: one answer over gRPC
   * and REST, with the current etag in ErrorInfo.metadata to retry with.
   */
  const checked = (c: Campaign, pre: EtagPrecondition, etagField = "etag"): Campaign => {
    const stale = etagMismatch(pre, etagOf(c), etagField);
    if (stale !== null) {
      throw new AppError("ABORTED", "ETAG_MISMATCH", `etag ${stale} is stale; the campaign is now at ${etagOf(c)}`, {
        metadata: { campaign_id: c.id, etag: etagOf(c) },
      });
    }
    return c;
  };

  /** A live campaign with the caller's etags checked: a soft-deleted one cannot change but by undelete. */
  const current = async (tenantId: string, id: string, pre: EtagPrecondition, etagField = "etag"): Promise<Campaign> => {
    const c = await get(tenantId, id);
    if (c.deleteTime) throw notFound("campaign", id);
    return checked(c, pre, etagField);
  };

  return {
    get,

    async create(tenantId, input, requestId) {
      const fields = normalizeFields(input);
      const v = new Violations();
      validateFields(fields, v);
      v.check(requestId.length <= 64, "request_id", "must be at most 64 characters");
      v.throwIfAny();
      const at = now();
      const campaign: Campaign = {
        ...fields,
        type: fields.type as Campaign["type"],
        channels: fields.channels as Campaign["channels"],
        id: randomUUID(),
        tenantId,
        status: "DRAFT",
        createTime: at,
        updateTime: at,
        launchTime: null,
        deleteTime: null,
        version: 1,
      };
      return store.insert(campaign, requestId || null);
    },

    async list(tenantId, input) {
      const query = parseListInput(input, pageTokens);
      const rows = await store.list(tenantId, { ...query, pageSize: query.pageSize + 1 });
      const page = rows.slice(0, query.pageSize);
      const last = page[page.length - 1];
      const nextPageToken = rows.length > query.pageSize && last ? encodePageToken(pageTokens, query, { value: sortValue(last, query), id: last.id }) : "";
      return { campaigns: page, nextPageToken };
    },

    async update(tenantId, id, pre, input, mask) {
      const v = new Violations();
      const paths = new Set<MutablePath>();
      for (const p of mask.includes("*") ? Object.keys(MUTABLE_FIELDS) : mask) {
        if (p in MUTABLE_FIELDS) paths.add(p as MutablePath);
        else v.add("update_mask", `${JSON.stringify(p)} cannot be updated; allowed: ${Object.keys(MUTABLE_FIELDS).join(", ")}`);
      }
      v.check(mask.length > 0, "update_mask", "must name at least one field");
      v.throwIfAny();
      const before = await current(tenantId, id, pre, "campaign.etag");
      if (!UPDATABLE_STATUSES.includes(before.status)) {
        throw preconditionFailed(
          before,
          "INVALID_STATE",
          `a ${wireStatus(before.status)} campaign cannot be updated; only ${UPDATABLE_STATUSES.map(wireStatus).join(" or ")}`,
        );
      }
      const merged = normalizeFields({ ...before, ...pick(input, paths) });
      validateFields(merged, v, "campaign.", paths);
      if (before.launchTime) {
        for (const p of FROZEN_AFTER_LAUNCH) {
          if (paths.has(p) && merged[MUTABLE_FIELDS[p]] !== before[MUTABLE_FIELDS[p]]) v.add(`campaign.${p}`, "cannot change after launch");
        }
      }
      v.throwIfAny();
      const next: Campaign = { ...before, ...(merged as Partial<Campaign>), updateTime: now(), version: before.version + 1 };
      if (!(await store.save(next, before.version, "UPDATED"))) throw concurrentChange(before.id);
      return next;
    },

    async transition(tenantId, id, pre, action) {
      const rule = TRANSITIONS[action];
      const before = await current(tenantId, id, pre);
      if (!rule.from.includes(before.status)) {
        throw preconditionFailed(
          before,
          "INVALID_TRANSITION",
          `cannot ${action} a ${wireStatus(before.status)} campaign; allowed from ${rule.from.map(wireStatus).join(", ")}`,
          { from: wireStatus(before.status), action },
        );
      }
      const at = now();
      const next: Campaign = { ...before, status: rule.to, updateTime: at, version: before.version + 1 };
      if (action === "launch") next.launchTime ??= at;
      if (!(await store.save(next, before.version, rule.event))) throw concurrentChange(before.id);
      return next;
    },

    async delete(tenantId, id, pre) {
      const before = await current(tenantId, id, pre);
      if (!DELETABLE_STATUSES.includes(before.status)) {
        throw preconditionFailed(before, "INVALID_STATE", `a ${wireStatus(before.status)} campaign cannot be deleted; complete or cancel it first`);
      }
      const at = now();
      const next: Campaign = { ...before, deleteTime: at, updateTime: at, version: before.version + 1 };
      if (!(await store.save(next, before.version, "DELETED"))) throw concurrentChange(before.id);
      return next;
    },

    async undelete(tenantId, id, pre) {
      const deleted = await get(tenantId, id);
      if (!deleted.deleteTime) {
        throw new AppError("ALREADY_EXISTS", "CAMPAIGN_NOT_DELETED", "the campaign is not deleted; only a deleted campaign can be undeleted", {
          metadata: { campaign_id: id },
        });
      }
      const before = checked(deleted, pre);
      const next: Campaign = { ...before, deleteTime: null, updateTime: now(), version: before.version + 1 };
      if (!(await store.save(next, before.version, "UNDELETED"))) throw concurrentChange(before.id);
      return next;
    },
  };
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
