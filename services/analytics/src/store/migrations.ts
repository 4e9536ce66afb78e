/**
 * Schema `analytics`. Only this service reads or writes it.
 *
 * Retention: raw_events is range-partitioned by receive day and whole days are dropped after the
 * retention window (store/raw-event-retention.ts, which also says where de-duplication stands at
 * the window's edge). A partitioned table can only be unique on keys containing the partition key,
 * so de-duplication by (tenant_id, event_id) lives in event_keys, pruned on the same schedule.
 */
import type { Migration } from "#common/db.js";
import { commentColumn, createTable, type TableSpec } from "#common/table-spec.js";
import { ensureDayPartitions, utcDay } from "./raw-event-retention.js";

export const ANALYTICS_SCHEMA = "analytics";

const money = "bigint NOT NULL DEFAULT 0";

const rawEvents: TableSpec = {
  name: "raw_events",
  comment: "Every tracked event applied to rollups, once per (tenant_id, event_id): the de-duplication truth and the base for re-aggregation.",
  columns: [
    ["tenant_id", "text NOT NULL", "Tenant that sent the event."],
    ["event_id", "text NOT NULL", "Client idempotency key; unique per tenant."],
    ["campaign_id", "text NOT NULL", "Campaign the event belongs to."],
    ["type", "smallint NOT NULL", "tally.events.v1.EventType: 1 impression, 2 click, 3 conversion."],
    ["platform", "text NOT NULL", "Normalised platform slug."],
    ["region", "text NOT NULL", "ISO 3166-1 alpha-2 region, ZZ when unknown."],
    ["occur_time", "timestamptz NOT NULL", "When the event happened; decides its rollup bucket."],
    ["receive_time", "timestamptz NOT NULL", "When ingestion accepted the event."],
    ["value_micros", money, "Conversion revenue in micros of the campaign currency."],
    ["cost_micros", money, "Spend attributed to the event in micros of the campaign currency."],
    ["filtered", "boolean NOT NULL", "Flagged by the bot filter: counts only in rollups.filtered_events."],
    ["kafka_partition", "integer NOT NULL", "ad-events partition the event was read from (diagnostics)."],
    ["kafka_offset", "bigint NOT NULL", "Offset within that partition (diagnostics)."],
  ],
  constraints: ["PRIMARY KEY (tenant_id, event_id)"],
};

const rollups: TableSpec = {
  name: "rollups",
  comment: "Additive sums per 15-minute UTC bucket, so any report time zone buckets exactly. Ratios are never stored.",
  columns: [
    ["tenant_id", "text NOT NULL", "Tenant owning the numbers; every read filters on it."],
    ["campaign_id", "text NOT NULL", "Campaign."],
    ["bucket_start", "timestamptz NOT NULL", "Start of the 15-minute UTC bucket (inclusive)."],
    ["platform", "text NOT NULL", "Platform slug."],
    ["region", "text NOT NULL", "ISO 3166-1 alpha-2 region or ZZ."],
    ["source", "smallint NOT NULL", "tally.analytics.v1.Source: 1 tracked events, 2 platform reports."],
    ["impressions", money, "Impressions (not filtered)."],
    ["clicks", money, "Clicks (not filtered)."],
    ["conversions", money, "Conversions (not filtered)."],
    ["cost_micros", money, "Spend in micros of the campaign currency (not filtered)."],
    ["revenue_micros", money, "Conversion revenue in micros of the campaign currency (not filtered)."],
    ["filtered_events", money, "Events the bot filter flagged, of any type."],
  ],
  constraints: ["PRIMARY KEY (tenant_id, campaign_id, bucket_start, platform, region, source)", "CHECK (extract(epoch FROM bucket_start)::bigint % 900 = 0)"],
};

const consumerOffsets: TableSpec = {
  name: "consumer_offsets",
  comment: "Kafka positions applied to the tables above, written in the same transaction: the truth the aggregator seeks from (Kafka commits are hints).",
  columns: [
    ["group_id", "text NOT NULL", "Kafka consumer group."],
    ["topic", "text NOT NULL", "Topic (with its environment prefix)."],
    ["partition", "integer NOT NULL", "Partition."],
    ["next_offset", "bigint NOT NULL", "First offset not yet applied; everything below it is in the tables."],
    [
      "caught_up_at",
      "timestamptz",
      "Latest time at which everything produced to the partition was applied; null until then. Min over partitions = data freshness.",
    ],
    ["update_time", "timestamptz NOT NULL DEFAULT now()", "Last change of this row."],
  ],
  constraints: ["PRIMARY KEY (group_id, topic, partition)"],
};

const platformReportRows: TableSpec = {
  name: "platform_report_rows",
  comment: "Latest snapshot of each ad platform report row; a newer report_time replaces the numbers, an older one is ignored.",
  columns: [
    ["tenant_id", "text NOT NULL", "Tenant owning the report."],
    ["campaign_id", "text NOT NULL", "Campaign the row describes."],
    ["platform", "text NOT NULL", "Platform slug."],
    ["region", "text NOT NULL", "ISO 3166-1 alpha-2 region or ZZ."],
    ["report_date", "date NOT NULL", "Reported day in the campaign's time zone."],
    ["hour", "smallint NOT NULL", "Reported hour 0-23 of report_date, or -1 for a whole-day row."],
    ["impressions", money, "Impressions the platform reports."],
    ["clicks", money, "Clicks the platform reports."],
    ["conversions", money, "Conversions the platform reports."],
    ["cost_micros", money, "Spend in micros of the campaign currency."],
    ["revenue_micros", money, "Conversion value in micros of the campaign currency."],
    ["report_time", "timestamptz NOT NULL", "When the platform produced these numbers; the latest wins."],
    ["kafka_partition", "integer NOT NULL", "ad-events partition of the winning message (diagnostics)."],
    ["kafka_offset", "bigint NOT NULL", "Offset of the winning message (diagnostics)."],
  ],
  constraints: ["PRIMARY KEY (tenant_id, campaign_id, platform, region, report_date, hour)", "CHECK (hour BETWEEN -1 AND 23)"],
};

/**
 * Rollup money sums as NUMERIC(38,0). Per event, value_micros and cost_micros are at most
 * MAX_EVENT_MICROS = 10^15 (services/common/src/contract/money.ts), so a bigint sum could wrap after
 * 9,223 maximal events in one bucket ("bigint out of range", and before the cap a flush that failed
 * forever). 10^38 micros would take 10^23 maximal events: unreachable, so these sums cannot
 * overflow. Scale 0 keeps them whole numbers; node-postgres returns NUMERIC as a decimal string,
 * exact, like the int64-as-string of the API (forceLong=string). Counts stay bigint: 2^63 events
 * cannot happen. raw_events and platform_report_rows hold one capped value per row and stay bigint.
 * The type change rewrites rollups once, under an exclusive lock (rollups are small: 15-minute
 * buckets, not events).
 */
const MONEY_SUM = "numeric(38,0)";
const moneySumColumns: [column: string, comment: string][] = [
  ["cost_micros", "Spend in micros of the campaign currency (not filtered). NUMERIC(38,0): a sum of capped events that cannot overflow."],
  ["revenue_micros", "Conversion revenue in micros of the campaign currency (not filtered). NUMERIC(38,0): a sum of capped events that cannot overflow."],
];

const pacingChecks: TableSpec = {
  name: "pacing_checks",
  comment:
    "Campaigns whose spend may have changed, written by the flush in the rollups' transaction: the outbox of budget pacing. A check after COMMIT reads spend and budget and deletes its row.",
  columns: [
    ["tenant_id", "text NOT NULL", "Tenant owning the campaign."],
    ["campaign_id", "text NOT NULL", "Campaign whose numbers changed."],
    [
      "mark_time",
      "timestamptz NOT NULL DEFAULT clock_timestamp()",
      "Last flush that changed it; a check deletes the row only if no later flush marked it again.",
    ],
  ],
  constraints: ["PRIMARY KEY (tenant_id, campaign_id)"],
};

const pacingSignals: TableSpec = {
  name: "pacing_signals",
  comment:
    "Budget signals fired: at most one per campaign, threshold and budget (the key), published to campaign-events after COMMIT (publish_time), relay-style.",
  columns: [
    ["tenant_id", "text NOT NULL", "Tenant owning the campaign."],
    ["campaign_id", "text NOT NULL", "Campaign."],
    ["threshold", "smallint NOT NULL", "tally.events.v1.CampaignEventType: 9 BUDGET_APPROACHING (90 %), 10 BUDGET_EXCEEDED (100 %)."],
    ["budget_micros", "bigint NOT NULL", "The budget the threshold was reached against; a changed budget re-arms both thresholds."],
    ["spend_micros", "numeric(38,0) NOT NULL", "Spend to date when the threshold was found reached (default spend source)."],
    ["currency_code", "text NOT NULL", "Currency of both amounts."],
    ["fire_time", "timestamptz NOT NULL DEFAULT now()", "When the threshold was found reached."],
    ["publish_time", "timestamptz", "When Kafka acknowledged the CampaignEvent; null until then."],
  ],
  constraints: ["PRIMARY KEY (tenant_id, campaign_id, threshold, budget_micros)"],
};

/** raw_events from migration 0003 on: the same columns, partitioned by receive day, unique nowhere. */
const rawEventsByDay: TableSpec = {
  ...rawEvents,
  comment:
    "Every tracked event applied to rollups, the base for re-aggregation. Partitioned by UTC receive day (raw_events_YYYYMMDD, raw_events_default for days without one); days past the retention window are dropped. Uniqueness per (tenant_id, event_id) is kept by event_keys.",
  constraints: [],
  partitionBy: "RANGE (receive_time)",
};

const eventKeys: TableSpec = {
  name: "event_keys",
  comment:
    "The de-duplication truth: one row per (tenant_id, event_id) whose raw event is retained. Not partitioned, so unique across receive days; pruned with the raw_events day partitions.",
  columns: [
    ["tenant_id", "text NOT NULL", "Tenant that sent the event."],
    ["event_id", "text NOT NULL", "Client idempotency key; unique per tenant."],
    ["receive_day", "date NOT NULL", "UTC day the first copy was received: the raw_events partition holding it; the key is pruned with that day."],
  ],
  constraints: ["PRIMARY KEY (tenant_id, event_id)"],
};

const rawEventRetention: TableSpec = {
  name: "raw_event_retention",
  comment: "Where retention has cut raw_events (one row). Re-aggregation rebuilds only occur days after it.",
  columns: [
    ["id", "smallint NOT NULL CHECK (id = 1)", "Always 1: the table has one row."],
    ["dropped_before", "timestamptz NOT NULL", "Raw events received before this time were dropped (their day partitions and keys)."],
    ["update_time", "timestamptz NOT NULL DEFAULT now()", "Last change of the row."],
  ],
  constraints: ["PRIMARY KEY (id)"],
};

const CONVERSION_ACTION_COLUMNS: [table: string, comment: string][] = [
  ["raw_events", "Conversion action slug of a conversion ([a-z0-9_]{1,32}); '' for none and for every other event type."],
  [
    "rollups",
    "Conversion action slug the row's numbers are of; '' for numbers tied to no action (impressions, clicks, and conversions sent without one). Part of the key.",
  ],
  [
    "platform_report_rows",
    "Conversion action slug the row's conversions and revenue are of; '' for the row without one (delivery and cost). Part of the key: each action's row is a snapshot of its own.",
  ],
];

export const migrations: Migration[] = [
  {
    name: "0001_rollups_raw_events_offsets",
    async up(db) {
      await createTable(db, rawEvents);
      // Re-aggregation reads one campaign's events by time.
      await db.raw("CREATE INDEX raw_events_campaign_time ON raw_events (tenant_id, campaign_id, occur_time)");
      await createTable(db, rollups);
      await createTable(db, consumerOffsets);
      await createTable(db, platformReportRows);
    },
  },
  {
    name: "0002_rollup_money_sums_numeric",
    async up(db) {
      for (const [column, comment] of moneySumColumns) {
        await db.raw(`ALTER TABLE rollups ALTER COLUMN ${column} TYPE ${MONEY_SUM}`);
        await commentColumn(db, "rollups", column, comment);
      }
    },
  },
  {
    name: "0003_report_rows_conversions_micros_time_zone",
    async up(db) {
      await db.raw("ALTER TABLE platform_report_rows ADD COLUMN conversions_micros int8 NOT NULL DEFAULT 0, ADD COLUMN time_zone text NOT NULL DEFAULT ''");
      // Rows stored before hold whole conversions; 10^9 conversions is the cap of the new column.
      await db.raw("UPDATE platform_report_rows SET conversions_micros = conversions * 1000000 WHERE conversions <= 1000000000");
      await commentColumn(
        db,
        "platform_report_rows",
        "conversions_micros",
        "Conversions in millionths, exact (fractional: data-driven attribution); conversions is its whole part.",
      );
      await commentColumn(
        db,
        "platform_report_rows",
        "time_zone",
        "IANA zone of report_date and hour (the ad account's); the row is placed at report_date + hour there. Empty: the campaign's zone.",
      );
      await commentColumn(db, "platform_report_rows", "report_date", "Reported day in time_zone (the campaign's zone when time_zone is empty).");
    },
  },
  {
    name: "0004_budget_pacing",
    async up(db) {
      await createTable(db, pacingChecks);
      await createTable(db, pacingSignals);
      // The relay reads what is not yet published.
      await db.raw("CREATE INDEX pacing_signals_unpublished ON pacing_signals (fire_time) WHERE publish_time IS NULL");
    },
  },
  {
    /**
     * Converts raw_events in place: the old table is renamed, the partitioned one created with a
     * partition for every receive day it holds (and the coming days), its rows and keys copied,
     * and the old table dropped. One transaction: every reader sees the old table or the new one.
     * The copy rewrites every row under an exclusive lock; on a large installation that is a
     * maintenance window. Days older than the window are dropped by the first retention pass.
     */
    name: "0005_raw_events_partitioned_by_receive_day",
    async up(db) {
      await db.raw("ALTER TABLE raw_events RENAME TO raw_events_unpartitioned");
      await db.raw("ALTER TABLE raw_events_unpartitioned RENAME CONSTRAINT raw_events_pkey TO raw_events_unpartitioned_pkey");
      await db.raw("ALTER INDEX raw_events_campaign_time RENAME TO raw_events_unpartitioned_campaign_time");
      await createTable(db, rawEventsByDay);
      // Re-aggregation reads one campaign's events by time (in every partition: they are by receive day).
      await db.raw("CREATE INDEX raw_events_campaign_time ON raw_events (tenant_id, campaign_id, occur_time)");
      await db.raw("CREATE TABLE raw_events_default PARTITION OF raw_events DEFAULT");
      await createTable(db, eventKeys);
      // Keys arrive in receive order, so a BRIN index finds a day's keys for pruning at almost no insert cost.
      await db.raw("CREATE INDEX event_keys_receive_day ON event_keys USING brin (receive_day)");
      await createTable(db, rawEventRetention);

      const held = await db.raw("SELECT DISTINCT to_char(receive_time AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day FROM raw_events_unpartitioned");
      const today = Date.now();
      const coming = [-1, 0, 1, 2, 3].map((d) => utcDay(new Date(today + d * 86_400_000)));
      await ensureDayPartitions(db, [...(held.rows as { day: string }[]).map((r) => r.day), ...coming]);
      await db.raw("INSERT INTO raw_events SELECT * FROM raw_events_unpartitioned");
      await db.raw("INSERT INTO event_keys SELECT tenant_id, event_id, (receive_time AT TIME ZONE 'UTC')::date FROM raw_events_unpartitioned");
      await db.raw("DROP TABLE raw_events_unpartitioned");
    },
  },
  {
    /**
     * Conversion actions (issue 6, item 9): rollups and report rows are keyed by the action too, so
     * insights can split conversions and revenue by it and a report row per action is a snapshot of
     * its own (it never replaces the delivery row, action ''). raw_events carries it so that
     * re-aggregation rebuilds the split. '' (every existing row) means "no action". Adding a column
     * with a constant default rewrites nothing; the new primary keys are built once, under lock.
     */
    name: "0006_conversion_action_keys",
    async up(db) {
      for (const [table, comment] of CONVERSION_ACTION_COLUMNS) {
        await db.raw(`ALTER TABLE ${table} ADD COLUMN conversion_action text NOT NULL DEFAULT ''`);
        await commentColumn(db, table, "conversion_action", comment);
      }
      await db.raw("ALTER TABLE rollups DROP CONSTRAINT rollups_pkey");
      await db.raw("ALTER TABLE rollups ADD PRIMARY KEY (tenant_id, campaign_id, bucket_start, platform, region, source, conversion_action)");
      await db.raw("ALTER TABLE platform_report_rows DROP CONSTRAINT platform_report_rows_pkey");
      await db.raw("ALTER TABLE platform_report_rows ADD PRIMARY KEY (tenant_id, campaign_id, platform, region, report_date, hour, conversion_action)");
    },
  },
];
