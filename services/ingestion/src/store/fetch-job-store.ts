/** platform_fetch_jobs: FetchPlatformData jobs and their lease (FOR UPDATE SKIP LOCKED, like syncs). */
import type { Knex } from "#common/db.js";
import type { FetchJob, FetchJobStore } from "../domain/fetch-jobs.js";
import { isUuid } from "./connection-store.js";
import { jobFromRow, jobToRow, type FetchJobRow } from "./mapping.js";

const CLAIM_PENDING = `
UPDATE platform_fetch_jobs SET lease_owner = ?, lease_expire_time = now() + make_interval(secs => ?), state = 'RUNNING',
                               start_time = coalesce(start_time, now())
WHERE id = (
  SELECT id FROM platform_fetch_jobs
  WHERE state IN ('PENDING', 'RUNNING') AND (lease_expire_time IS NULL OR lease_expire_time < now())
  ORDER BY create_time
  LIMIT 1
  FOR UPDATE SKIP LOCKED
)
RETURNING *`;

export class PgFetchJobStore implements FetchJobStore {
  constructor(private readonly db: Knex) {}

  async insertJob(job: FetchJob): Promise<void> {
    await this.db("platform_fetch_jobs").insert(jobToRow(job));
  }

  async getJob(tenantId: string, id: string): Promise<FetchJob | null> {
    if (!isUuid(id)) return null;
    const row = (await this.db("platform_fetch_jobs").where({ tenant_id: tenantId, id }).first()) as FetchJobRow | undefined;
    return row ? jobFromRow(row) : null;
  }

  /** A PENDING job, or a RUNNING one whose holder's lease lapsed (it crashed): run again from the start. */
  async claimPendingJob(owner: string, leaseMs: number): Promise<FetchJob | null> {
    const result = await this.db.raw(CLAIM_PENDING, [owner, leaseMs / 1000]);
    const row = (result.rows as FetchJobRow[])[0];
    return row ? jobFromRow(row) : null;
  }

  async finishJob(job: FetchJob, owner: string): Promise<void> {
    const { id, tenant_id, ...row } = jobToRow(job);
    await this.db("platform_fetch_jobs")
      .where({ id, tenant_id, lease_owner: owner })
      .update({ ...row, lease_owner: null, lease_expire_time: null });
  }
}
