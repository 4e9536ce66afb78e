/**
 * The loop that runs platform pulls in every ingestion replica: FetchPlatformData jobs first (a
 * user is waiting), then due scheduled syncs. Work is claimed through leases in Postgres
 * (FOR UPDATE SKIP LOCKED), so each job and each period's sync runs in exactly one replica; a
 * replica that dies mid-sync loses its lease when it lapses and another takes over.
 */
import { randomUUID } from "node:crypto";
import type { Logger } from "#common/logger.js";
import type { SyncRunner, SyncStore } from "../domain/platform-sync-runner.js";

export interface SyncWorkerOptions {
  pollMs: number;
  leaseMs: number;
  /** false: scheduled syncs are off in this replica (jobs still run). */
  scheduled: boolean;
}

export class PlatformSyncWorker {
  /** This replica's lease owner id. */
  readonly owner = `ingestion-${randomUUID()}`;
  private readonly log: Logger;
  private running = false;
  private loop: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  private woken = false;

  constructor(
    private readonly store: SyncStore,
    private readonly runner: SyncRunner,
    private readonly opts: SyncWorkerOptions,
    logger: Logger,
  ) {
    this.log = logger.child({ component: "platform-sync-worker" });
  }

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  /** Ends the poll wait at once: a new job starts without waiting for the next poll. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /** Lets the unit of work in progress finish (its lease would otherwise hold it until expiry). */
  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      let worked = false;
      try {
        worked = await this.once();
      } catch (err) {
        // Postgres trouble: log (never credentials: the error is the store's) and try again later.
        this.log.warn({ err: (err as Error).message }, "platform sync round failed");
      }
      if (!worked && this.running) await this.pause();
    }
  }

  /** One unit of work, if any is due; true when something ran. */
  async once(): Promise<boolean> {
    const job = await this.store.claimPendingJob(this.owner, this.opts.leaseMs);
    if (job) {
      const done = await this.runner.runJob(job, this.owner);
      this.log.info(
        { jobId: job.id, campaignId: job.campaignId, state: done.state, rows: done.rows, errors: done.errors.length },
        "platform fetch job finished",
      );
      return true;
    }
    if (!this.opts.scheduled) return false;
    const claimed = await this.store.claimDueConnection(this.owner, this.opts.leaseMs);
    if (!claimed) return false;
    const result = await this.runner.syncConnection(claimed, this.owner);
    const c = claimed.connection;
    if (result.ok) this.log.info({ connectionId: c.id, platform: c.platform, next: result.nextSyncTime }, "platform sync finished");
    else
      this.log.warn(
        { connectionId: c.id, platform: c.platform, status: result.status, error: result.lastError, next: result.nextSyncTime },
        "platform sync failed",
      );
    return true;
  }

  private pause(): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, this.opts.pollMs);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = () => {
        this.woken = false;
        this.wakeUp = null;
        done();
      };
    });
  }
}
