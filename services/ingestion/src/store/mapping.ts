/** Rows of schema "ingestion" ↔ domain values, in one place. */
import type { FetchJob } from "../domain/fetch-jobs.js";
import type { ClaimedConnection } from "../domain/platform-sync-runner.js";
import type { PlatformConnection, SealedCredentials } from "../domain/platform-connection.js";

export interface ConnectionRow {
  id: string;
  tenant_id: string;
  platform: string;
  account_id: string;
  display_name: string;
  credentials_key_id: string;
  credentials_iv: Buffer;
  credentials_tag: Buffer;
  credentials_ciphertext: Buffer;
  status: string;
  last_sync_time: Date | null;
  last_error: string;
  last_error_time: Date | null;
  consecutive_failures: number;
  next_sync_time: Date;
  account_time_zone: string;
  create_time: Date;
}

/** Every column but the sealed credentials: what reads for the RPCs select. */
export const CONNECTION_COLUMNS = [
  "id",
  "tenant_id",
  "platform",
  "account_id",
  "display_name",
  "status",
  "last_sync_time",
  "last_error",
  "last_error_time",
  "consecutive_failures",
  "next_sync_time",
  "account_time_zone",
  "create_time",
];

export function connectionFromRow(
  r: Omit<ConnectionRow, "credentials_key_id" | "credentials_iv" | "credentials_tag" | "credentials_ciphertext">,
): PlatformConnection {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    platform: r.platform,
    accountId: r.account_id,
    displayName: r.display_name,
    status: r.status as PlatformConnection["status"],
    lastSyncTime: r.last_sync_time,
    lastError: r.last_error,
    lastErrorTime: r.last_error_time,
    consecutiveFailures: r.consecutive_failures,
    nextSyncTime: r.next_sync_time,
    accountTimeZone: r.account_time_zone,
    createTime: r.create_time,
  };
}

export const sealedColumns = (s: SealedCredentials) => ({
  credentials_key_id: s.keyId,
  credentials_iv: Buffer.from(s.iv),
  credentials_tag: Buffer.from(s.tag),
  credentials_ciphertext: Buffer.from(s.ciphertext),
});

export function claimedFromRow(r: ConnectionRow): ClaimedConnection {
  return {
    connection: connectionFromRow(r),
    sealed: { keyId: r.credentials_key_id, iv: r.credentials_iv, tag: r.credentials_tag, ciphertext: r.credentials_ciphertext },
  };
}

export interface FetchJobRow {
  id: string;
  tenant_id: string;
  campaign_id: string;
  links: FetchJob["links"];
  start_date: string;
  end_date: string;
  state: string;
  rows: string;
  rows_by_platform: Record<string, number>;
  counts: FetchJob["counts"] | Record<string, never>;
  errors: FetchJob["errors"];
  create_time: Date;
  start_time: Date | null;
  end_time: Date | null;
}

export function jobFromRow(r: FetchJobRow): FetchJob {
  const c = r.counts as Partial<FetchJob["counts"]>;
  return {
    id: r.id,
    tenantId: r.tenant_id,
    campaignId: r.campaign_id,
    links: r.links,
    startDate: r.start_date,
    endDate: r.end_date,
    state: r.state as FetchJob["state"],
    rows: Number(r.rows),
    rowsByPlatform: r.rows_by_platform,
    counts: { accepted: c.accepted ?? 0, duplicate: c.duplicate ?? 0, filtered: c.filtered ?? 0, rejected: c.rejected ?? 0 },
    errors: r.errors,
    createTime: r.create_time,
    startTime: r.start_time,
    endTime: r.end_time,
  };
}

/** jsonb columns go in as JSON text: a JS array would become a Postgres array. */
export function jobToRow(j: FetchJob) {
  return {
    id: j.id,
    tenant_id: j.tenantId,
    campaign_id: j.campaignId,
    links: JSON.stringify(j.links),
    start_date: j.startDate,
    end_date: j.endDate,
    state: j.state,
    rows: j.rows,
    rows_by_platform: JSON.stringify(j.rowsByPlatform),
    counts: JSON.stringify(j.counts),
    errors: JSON.stringify(j.errors),
    create_time: j.createTime,
    start_time: j.startTime,
    end_time: j.endTime,
  };
}
