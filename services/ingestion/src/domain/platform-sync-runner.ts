/**
 * What one claimed unit of work does: a scheduled sync of a connection (every campaign of the
 * tenant linked to its account) or a FetchPlatformData job (one campaign, its linked platforms).
 * Claiming, leases and the loop are the worker's (sync/); errors never carry credentials: only
 * ReportSourceError messages (written by the connectors for people) are shown, anything else is
 * named by its class alone.
 */
import type { FetchJob, FetchJobError, PlatformLinkInfo } from "./fetch-jobs.js";
import type { IngestPlatformReport } from "./platform-report.js";
import {
  credentialsAad,
  type ConnectionStatus,
  type CredentialsCipher,
  type PlatformConnection,
  type PlatformCredentials,
  type SealedCredentials,
} from "./platform-connection.js";
import { backoffMs, lookbackWindow, nextPeriodic, pullAccount, type LinkedCampaign } from "./platform-sync.js";
import { ReportSourceError, type ReportSources } from "./report-source.js";
import { emptyCounts } from "./receipt.js";

export interface ClaimedConnection {
  connection: PlatformConnection;
  sealed: SealedCredentials;
}

export type SyncResult =
  | { ok: true; lastSyncTime: Date; nextSyncTime: Date; accountTimeZone: string; lastError: string }
  | { ok: false; status: ConnectionStatus; lastError: string; lastErrorTime: Date; nextSyncTime: Date; consecutiveFailures: number };

/** The store side of syncs; every write is guarded by the lease owner. */
export interface SyncStore {
  /** A due connection (next_sync_time passed, lease free or expired), leased to owner; null when none. */
  claimDueConnection(owner: string, leaseMs: number): Promise<ClaimedConnection | null>;
  finishConnection(tenantId: string, id: string, owner: string, result: SyncResult, refreshed: SealedCredentials | null): Promise<void>;
  /** Stores credentials a fetch job's pull refreshed (a job holds no lease on the connection). */
  saveCredentials(tenantId: string, id: string, sealed: SealedCredentials): Promise<void>;
  /** The tenant's connections of a platform, with their sealed credentials. */
  connectionsOf(tenantId: string, platform: string): Promise<ClaimedConnection[]>;
  claimPendingJob(owner: string, leaseMs: number): Promise<FetchJob | null>;
  finishJob(job: FetchJob, owner: string): Promise<void>;
}

/** Every campaign of a tenant with its links (the campaign service's ListCampaigns). */
export interface CampaignDirectory {
  list(tenantId: string): Promise<{ id: string; status: string; platformLinks?: PlatformLinkInfo[] }[]>;
}

export interface SyncRunnerDeps {
  store: SyncStore;
  cipher: CredentialsCipher;
  sources: ReportSources;
  campaigns: CampaignDirectory;
  ingest: IngestPlatformReport;
  rules: { intervalMs: number; backoffBaseMs: number; backoffMaxMs: number; lookbackDays: number; maxBatch: number };
  clock?: () => Date;
}

export interface SyncRunner {
  syncConnection(claimed: ClaimedConnection, owner: string): Promise<SyncResult>;
  runJob(job: FetchJob, owner: string): Promise<FetchJob>;
}

/** What a person may read about a failure, and what the platform asked of the next attempt. */
export function describeFailure(err: unknown): { message: string; permanent: boolean; retryAfterMs: number; refreshed?: PlatformCredentials } {
  if (err instanceof ReportSourceError)
    return { message: err.message.slice(0, 500), permanent: err.permanent, retryAfterMs: err.retryAfterMs ?? 0, refreshed: err.refreshedCredentials };
  return { message: `fetch failed (${err instanceof Error ? err.name : "unknown error"})`, permanent: false, retryAfterMs: 0 };
}

const linksFor = (link: PlatformLinkInfo, connection: PlatformConnection) =>
  link.platform === connection.platform && (link.accountId === "" || link.accountId === connection.accountId);

export function createSyncRunner(deps: SyncRunnerDeps): SyncRunner {
  const clock = deps.clock ?? (() => new Date());
  const { rules } = deps;

  function open(claimed: ClaimedConnection): PlatformCredentials {
    return deps.cipher.open(claimed.sealed, credentialsAad(claimed.connection.tenantId, claimed.connection.id));
  }

  function sealRefreshed(claimed: ClaimedConnection, refreshed: PlatformCredentials | undefined): SealedCredentials | null {
    return refreshed ? deps.cipher.seal(refreshed, credentialsAad(claimed.connection.tenantId, claimed.connection.id)) : null;
  }

  return {
    async syncConnection(claimed, owner) {
      const c = claimed.connection;
      let result: SyncResult;
      let refreshed: SealedCredentials | null = null;
      try {
        const source = deps.sources[c.platform];
        if (!source) throw new ReportSourceError(`no connector for platform ${c.platform} in this build`);
        const campaigns: LinkedCampaign[] = (await deps.campaigns.list(c.tenantId))
          .filter((k) => k.status !== "DRAFT")
          .flatMap((k) => (k.platformLinks ?? []).filter((l) => linksFor(l, c)).map((l) => ({ campaignId: k.id, externalCampaignIds: l.externalCampaignIds })));
        const now = clock();
        let accountTimeZone = c.accountTimeZone;
        let lastError = "";
        if (campaigns.length > 0) {
          const window = lookbackWindow(c.accountTimeZone, rules.lookbackDays, now);
          const out = await pullAccount(
            { source, ingest: deps.ingest, maxBatch: rules.maxBatch, clock },
            { tenantId: c.tenantId, platform: c.platform, accountId: c.accountId, credentials: open(claimed), campaigns, ...window },
          );
          accountTimeZone = out.accountTimeZone || accountTimeZone;
          refreshed = sealRefreshed(claimed, out.refreshedCredentials);
          if (out.counts.rejected > 0) lastError = `${out.counts.rejected} rows rejected: ${out.rejected.join("; ")}`;
        }
        const done = clock();
        result = { ok: true, lastSyncTime: done, nextSyncTime: nextPeriodic(c.nextSyncTime, rules.intervalMs, done), accountTimeZone, lastError };
      } catch (err) {
        const failure = describeFailure(err);
        refreshed = sealRefreshed(claimed, failure.refreshed);
        const failures = c.consecutiveFailures + 1;
        const done = clock();
        // Never sooner than the platform asked (a throttled account), nor than the backoff.
        const waitMs = Math.max(backoffMs(failures, rules.backoffBaseMs, rules.backoffMaxMs), failure.retryAfterMs);
        result = {
          ok: false,
          status: failure.permanent ? "DISABLED" : "ERROR",
          lastError: failure.message,
          lastErrorTime: done,
          nextSyncTime: new Date(done.getTime() + waitMs),
          consecutiveFailures: failures,
        };
      }
      await deps.store.finishConnection(c.tenantId, c.id, owner, result, refreshed);
      return result;
    },

    async runJob(job, owner) {
      const out: FetchJob = { ...job, state: "RUNNING", startTime: job.startTime ?? clock(), rows: 0, rowsByPlatform: {}, counts: emptyCounts(), errors: [] };
      const errors: FetchJobError[] = [];
      for (const link of job.links) {
        const candidates = (await deps.store.connectionsOf(job.tenantId, link.platform)).filter((k) => linksFor(link, k.connection));
        const claimed = candidates.length === 1 ? candidates[0]! : null;
        if (!claimed) {
          const message =
            candidates.length === 0
              ? `no ${link.platform} connection${link.accountId ? ` to account ${link.accountId}` : ""}; create one first`
              : `${candidates.length} ${link.platform} connections; set platform_links[].account_id to choose one`;
          errors.push({ platform: link.platform, connectionId: "", reason: "NO_CONNECTION", message });
          continue;
        }
        const c = claimed.connection;
        const source = deps.sources[link.platform];
        if (!source) {
          errors.push({
            platform: link.platform,
            connectionId: c.id,
            reason: "NO_SOURCE",
            message: `no connector for platform ${link.platform} in this build`,
          });
          continue;
        }
        try {
          const window = job.startDate ? { startDate: job.startDate, endDate: job.endDate } : lookbackWindow(c.accountTimeZone, rules.lookbackDays, clock());
          const pulled = await pullAccount(
            { source, ingest: deps.ingest, maxBatch: rules.maxBatch, clock },
            {
              tenantId: job.tenantId,
              platform: link.platform,
              accountId: c.accountId,
              credentials: open(claimed),
              campaigns: [{ campaignId: job.campaignId, externalCampaignIds: link.externalCampaignIds }],
              ...window,
            },
          );
          const sealed = sealRefreshed(claimed, pulled.refreshedCredentials);
          if (sealed) await deps.store.saveCredentials(c.tenantId, c.id, sealed);
          out.rows += pulled.rows;
          out.rowsByPlatform[link.platform] = pulled.rows;
          for (const k of ["accepted", "duplicate", "filtered", "rejected"] as const) out.counts[k] += pulled.counts[k];
        } catch (err) {
          const failure = describeFailure(err);
          const sealed = sealRefreshed(claimed, failure.refreshed);
          if (sealed) await deps.store.saveCredentials(c.tenantId, c.id, sealed).catch(() => undefined);
          errors.push({
            platform: link.platform,
            connectionId: c.id,
            reason: failure.permanent ? "CREDENTIALS_REFUSED" : "FETCH_FAILED",
            message: failure.message,
          });
        }
      }
      const finished: FetchJob = { ...out, errors, state: errors.length > 0 ? "FAILED" : "SUCCEEDED", endTime: clock() };
      await deps.store.finishJob(finished, owner);
      return finished;
    },
  };
}
