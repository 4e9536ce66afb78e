/**
 * platform_connections: the RPCs' reads and writes (never selecting the sealed credentials) and the
 * scheduler's lease: a due connection is claimed with FOR UPDATE SKIP LOCKED, so however many
 * replicas poll, each sync is taken by one; a holder that crashed loses it when its lease lapses.
 */
import type { Knex } from "#common/db.js";
import { connectionExists, type ConnectionStore, type PlatformConnection, type SealedCredentials } from "../domain/platform-connection.js";
import type { ClaimedConnection, SyncResult } from "../domain/platform-sync-runner.js";
import { claimedFromRow, CONNECTION_COLUMNS, connectionFromRow, sealedColumns, type ConnectionRow } from "./mapping.js";

const CLAIM_DUE = `
UPDATE platform_connections SET lease_owner = ?, lease_expire_time = now() + make_interval(secs => ?)
WHERE id = (
  SELECT id FROM platform_connections
  WHERE status <> 'DISABLED' AND next_sync_time <= now() AND (lease_expire_time IS NULL OR lease_expire_time < now())
  ORDER BY next_sync_time
  LIMIT 1
  FOR UPDATE SKIP LOCKED
)
RETURNING *`;

export class PgConnectionStore implements ConnectionStore {
  constructor(private readonly db: Knex) {}

  async insert(c: PlatformConnection, sealed: SealedCredentials): Promise<void> {
    try {
      await this.db("platform_connections").insert({
        id: c.id,
        tenant_id: c.tenantId,
        platform: c.platform,
        account_id: c.accountId,
        display_name: c.displayName,
        ...sealedColumns(sealed),
        status: c.status,
        next_sync_time: c.nextSyncTime,
        create_time: c.createTime,
      });
    } catch (err) {
      if ((err as { code?: string }).code === "23505") throw connectionExists(c.platform, c.accountId);
      throw err;
    }
  }

  async get(tenantId: string, id: string): Promise<PlatformConnection | null> {
    if (!isUuid(id)) return null;
    const row = await this.db("platform_connections").select(CONNECTION_COLUMNS).where({ tenant_id: tenantId, id }).first();
    return row ? connectionFromRow(row) : null;
  }

  async list(tenantId: string, after: { createTime: string; id: string } | null, limit: number) {
    let q = this.db("platform_connections").select(CONNECTION_COLUMNS).where({ tenant_id: tenantId });
    if (after) q = q.whereRaw("(create_time, id) > (?::timestamptz, ?::uuid)", [after.createTime, after.id]);
    const rows = await q.orderBy([{ column: "create_time" }, { column: "id" }]).limit(limit + 1);
    const page = rows.slice(0, limit).map(connectionFromRow);
    const last = page.at(-1);
    return { connections: page, next: rows.length > limit && last ? { createTime: last.createTime.toISOString(), id: last.id } : null };
  }

  async delete(tenantId: string, id: string): Promise<boolean> {
    if (!isUuid(id)) return false;
    return (await this.db("platform_connections").where({ tenant_id: tenantId, id }).delete()) > 0;
  }

  async claimDueConnection(owner: string, leaseMs: number): Promise<ClaimedConnection | null> {
    const result = await this.db.raw(CLAIM_DUE, [owner, leaseMs / 1000]);
    const row = (result.rows as ConnectionRow[])[0];
    return row ? claimedFromRow(row) : null;
  }

  /** Only the lease holder writes the outcome: a holder whose lease lapsed and was taken over changes nothing. */
  async finishConnection(tenantId: string, id: string, owner: string, r: SyncResult, refreshed: SealedCredentials | null): Promise<void> {
    const outcome = r.ok
      ? {
          status: "ACTIVE",
          last_sync_time: r.lastSyncTime,
          next_sync_time: r.nextSyncTime,
          account_time_zone: r.accountTimeZone,
          last_error: r.lastError,
          consecutive_failures: 0,
        }
      : {
          status: r.status,
          last_error: r.lastError,
          last_error_time: r.lastErrorTime,
          next_sync_time: r.nextSyncTime,
          consecutive_failures: r.consecutiveFailures,
        };
    await this.db("platform_connections")
      .where({ tenant_id: tenantId, id, lease_owner: owner })
      .update({ ...outcome, ...(refreshed ? sealedColumns(refreshed) : {}), lease_owner: null, lease_expire_time: null });
  }

  async saveCredentials(tenantId: string, id: string, sealed: SealedCredentials): Promise<void> {
    await this.db("platform_connections").where({ tenant_id: tenantId, id }).update(sealedColumns(sealed));
  }

  async connectionsOf(tenantId: string, platform: string): Promise<ClaimedConnection[]> {
    const rows = (await this.db("platform_connections").where({ tenant_id: tenantId, platform }).whereNot({ status: "DISABLED" })) as ConnectionRow[];
    return rows.map(claimedFromRow);
  }
}

export const isUuid = (s: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);
