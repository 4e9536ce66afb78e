import { randomUUID } from "node:crypto";
import type { Knex } from "#common/db.js";
import { AppError } from "#common/errors.js";
import type { Campaign, CampaignEventType } from "../domain/campaign.js";
import type { FilterCondition, TimeField } from "../domain/campaign-filter.js";
import type { ListQuery } from "../domain/campaign-list.js";
import type { CampaignStore } from "../domain/campaign-service.js";
import { campaignFromRow, campaignToRow, isUniqueViolation, type CampaignRow } from "./mapping.js";

/** Encodes a CampaignEvent for the outbox; injected so the store stays free of generated code. */
export type EventEncoder = (campaign: Campaign, type: CampaignEventType, eventId: string, at: Date) => Buffer;

const SORT_COLUMNS = { create_time: "create_time", update_time: "update_time", name: "name" } as const;

/** ErrorInfo.metadata names the live campaign that holds the name, so a client can go and look at it. */
const nameTaken = (name: string, holder: string | undefined) =>
  new AppError("ALREADY_EXISTS", "CAMPAIGN_NAME_TAKEN", `a campaign named ${JSON.stringify(name)} already exists`, {
    violations: [{ field: "campaign.name", description: "must be unique within the organization" }],
    metadata: holder ? { campaign_id: holder } : {},
  });

export class PgCampaignStore implements CampaignStore {
  constructor(
    private readonly db: Knex,
    private readonly outboxTopic: string,
    private readonly encode: EventEncoder,
  ) {}

  async insert(campaign: Campaign, requestId: string | null): Promise<Campaign> {
    if (requestId) {
      const earlier = await this.byRequestId(campaign.tenantId, requestId);
      if (earlier) return earlier;
    }
    try {
      await this.db.transaction(async (trx) => {
        await trx("campaigns").insert(campaignToRow(campaign));
        if (requestId) {
          await trx("create_requests").insert({
            organization_id: campaign.tenantId,
            request_id: requestId,
            campaign_id: campaign.id,
            create_time: campaign.createTime,
          });
        }
        await this.enqueue(trx, campaign, "CREATED", campaign.createTime);
      });
      return campaign;
    } catch (err) {
      if (isUniqueViolation(err, "campaigns_org_name_key")) throw nameTaken(campaign.name, await this.holderOf(campaign.tenantId, campaign.name));
      // A concurrent retry with the same request_id won the race: answer with its campaign.
      if (requestId && isUniqueViolation(err, "create_requests_pkey")) {
        const earlier = await this.byRequestId(campaign.tenantId, requestId);
        if (earlier) return earlier;
      }
      throw err;
    }
  }

  /** Soft-deleted campaigns too (AIP-164): the caller decides what a deleted one may do. */
  async get(tenantId: string, id: string): Promise<Campaign | null> {
    if (!isUuid(id)) return null;
    const row = await this.db<CampaignRow>("campaigns").where({ id, organization_id: tenantId }).first();
    return row ? campaignFromRow(row) : null;
  }

  /**
   * Every change, soft delete and undelete included (delete_time is a column like the others): the
   * version guard alone decides, since every change bumps it. Restoring a name a live campaign has
   * taken meanwhile fails on campaigns_org_name_key like a rename.
   */
  async save(next: Campaign, expectedVersion: number, event: CampaignEventType): Promise<boolean> {
    try {
      return await this.db.transaction(async (trx) => {
        const { id, organization_id, create_time, ...changes } = campaignToRow(next);
        const changed = await trx("campaigns").where({ id, organization_id, version: expectedVersion }).update(changes);
        if (changed !== 1) return false;
        await this.enqueue(trx, next, event, next.updateTime);
        return true;
      });
    } catch (err) {
      if (isUniqueViolation(err, "campaigns_org_name_key")) throw nameTaken(next.name, await this.holderOf(next.tenantId, next.name));
      throw err;
    }
  }

  async list(tenantId: string, q: ListQuery): Promise<Campaign[]> {
    const col = SORT_COLUMNS[q.orderBy];
    const dir = q.desc ? "desc" : "asc";
    const query = this.db<CampaignRow>("campaigns").where({ organization_id: tenantId });
    if (!q.showDeleted) query.whereNull("delete_time");
    for (const c of q.conditions) applyCondition(query, c);
    if (q.after) {
      const value = q.orderBy === "name" ? q.after.value : new Date(q.after.value);
      query.whereRaw(`(??, id) ${q.desc ? "<" : ">"} (?, ?)`, [col, value, q.after.id]);
    }
    const rows = await query
      .orderBy([
        { column: col, order: dir },
        { column: "id", order: dir },
      ])
      .limit(q.pageSize);
    return rows.map(campaignFromRow);
  }

  /** The live campaign whose name collides (campaigns_org_name_key: case-insensitive, live rows only). */
  private async holderOf(tenantId: string, name: string): Promise<string | undefined> {
    const row = await this.db<CampaignRow>("campaigns")
      .where({ organization_id: tenantId })
      .whereRaw("lower(name) = lower(?)", [name])
      .whereNull("delete_time")
      .first("id");
    return row?.id;
  }

  private async byRequestId(tenantId: string, requestId: string): Promise<Campaign | null> {
    const row = await this.db<CampaignRow>("campaigns")
      .join("create_requests", "create_requests.campaign_id", "campaigns.id")
      .where({ "create_requests.organization_id": tenantId, "create_requests.request_id": requestId })
      .select("campaigns.*")
      .first();
    return row ? campaignFromRow(row) : null;
  }

  /** The outbox row commits or rolls back with the change it describes. */
  private async enqueue(trx: Knex.Transaction, c: Campaign, type: CampaignEventType, at: Date): Promise<void> {
    await trx("outbox").insert({ topic: this.outboxTopic, message_key: c.id, payload: this.encode(c, type, randomUUID(), at) });
  }
}

/** Fixed column names per filter field; every value is a bind parameter. */
const TIME_COLUMNS: Record<TimeField, string> = {
  create_time: "create_time",
  update_time: "update_time",
  launch_time: "launch_time",
  start_time: "start_time",
  end_time: "end_time",
};

function applyCondition(query: Knex.QueryBuilder, c: FilterCondition): void {
  switch (c.field) {
    case "status":
    case "type":
      if (c.negate) query.whereNotIn(c.field, c.values);
      else query.whereIn(c.field, c.values);
      return;
    case "name":
      if (c.match === "equals") query.whereRaw("lower(name) = lower(?)", [c.text]);
      else query.whereRaw("name ILIKE ? ESCAPE '\\'", [`%${c.text.replace(/[\\%_]/g, (m) => `\\${m}`)}%`]);
      return;
    default:
      // launch_time, start_time, end_time may be NULL: such rows match no comparison.
      query.where(TIME_COLUMNS[c.field], c.op, c.time);
  }
}

const isUuid = (s: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);
