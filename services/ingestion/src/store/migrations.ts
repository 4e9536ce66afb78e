import type { Migration } from "#common/db.js";
import { createTable, type TableSpec } from "#common/table-spec.js";

export const INGESTION_SCHEMA = "ingestion";

const platformConnections: TableSpec = {
  name: "platform_connections",
  comment: "Each tenant's links to ad accounts, with sealed credentials and the sync schedule; one per (tenant, platform, account).",
  columns: [
    ["id", "uuid PRIMARY KEY", "Connection id."],
    ["tenant_id", "text NOT NULL", "The connection's tenant; every read filters on it."],
    ["platform", "text NOT NULL", "Platform slug (meta, google, linkedin, tiktok, ...)."],
    ["account_id", "text NOT NULL", "The platform's ad account id."],
    ["display_name", "text NOT NULL", "Name shown to the tenant's users."],
    ["credentials_key_id", "text NOT NULL", "Id of the TALLY_CREDENTIALS_KEY that sealed the credentials (rotation)."],
    ["credentials_iv", "bytea NOT NULL", "AES-256-GCM IV, 12 random bytes per sealing."],
    ["credentials_tag", "bytea NOT NULL", "AES-256-GCM authentication tag."],
    ["credentials_ciphertext", "bytea NOT NULL", "The credentials (JSON), AES-256-GCM encrypted; AAD binds them to tenant and id. Never plaintext."],
    [
      "status",
      "text NOT NULL CHECK (status IN ('ACTIVE','ERROR','DISABLED'))",
      "ACTIVE, ERROR (retrying with backoff) or DISABLED (credentials refused for good).",
    ],
    ["last_sync_time", "timestamptz", "When the last successful sync finished."],
    ["last_error", "text NOT NULL DEFAULT ''", "What the last failed sync reported; never credentials."],
    ["last_error_time", "timestamptz", "When the last failed sync ended."],
    ["consecutive_failures", "integer NOT NULL DEFAULT 0", "Failed syncs since the last success: the backoff exponent."],
    ["next_sync_time", "timestamptz NOT NULL", "When the scheduler syncs next: the period grid, or the backoff after a failure."],
    ["account_time_zone", "text NOT NULL DEFAULT ''", "The account's reporting zone as the platform last reported it."],
    ["lease_owner", "text", "The worker syncing it now; null when free."],
    ["lease_expire_time", "timestamptz", "When a crashed holder's lease lapses and another worker may take the sync."],
    ["create_time", "timestamptz NOT NULL", "When the connection was created."],
  ],
  constraints: ["UNIQUE (tenant_id, platform, account_id)"],
};

const platformFetchJobs: TableSpec = {
  name: "platform_fetch_jobs",
  comment: "FetchPlatformData jobs: accepted at once, run by whichever ingestion replica leases them.",
  columns: [
    ["id", "uuid PRIMARY KEY", "Job id."],
    ["tenant_id", "text NOT NULL", "The job's tenant; every read filters on it."],
    ["campaign_id", "text NOT NULL", "The campaign fetched for."],
    ["links", "jsonb NOT NULL", "The campaign's platform links to fetch, as they were when the job was accepted."],
    ["start_date", "text NOT NULL", "First day, YYYY-MM-DD; empty for the lookback window."],
    ["end_date", "text NOT NULL", "Last day, inclusive; empty for the lookback window."],
    ["state", "text NOT NULL CHECK (state IN ('PENDING','RUNNING','SUCCEEDED','FAILED'))", "Where the job is."],
    ["rows", "int8 NOT NULL DEFAULT 0", "Report rows ingested."],
    ["rows_by_platform", "jsonb NOT NULL DEFAULT '{}'", "Rows ingested per platform."],
    ["counts", "jsonb NOT NULL DEFAULT '{}'", "Receipt totals of the rows ingested."],
    ["errors", "jsonb NOT NULL DEFAULT '[]'", "One {platform, connectionId, reason, message} per failed platform; never credentials."],
    ["lease_owner", "text", "The worker running it; null when free."],
    ["lease_expire_time", "timestamptz", "When a crashed holder's lease lapses and another worker runs the job again."],
    ["create_time", "timestamptz NOT NULL", "When the job was accepted."],
    ["start_time", "timestamptz", "When a worker first started it."],
    ["end_time", "timestamptz", "When it finished."],
  ],
  constraints: [],
};

export const migrations: Migration[] = [
  {
    name: "001_platform_connections_fetch_jobs",
    async up(db) {
      await createTable(db, platformConnections);
      await db.raw("CREATE INDEX platform_connections_due ON platform_connections (next_sync_time) WHERE status <> 'DISABLED'");
      await createTable(db, platformFetchJobs);
      await db.raw("CREATE INDEX platform_fetch_jobs_open ON platform_fetch_jobs (create_time) WHERE state IN ('PENDING','RUNNING')");
    },
  },
];
