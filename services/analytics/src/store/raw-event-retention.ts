/**
 * raw_events is partitioned by the UTC day an event was received (one partition per day, plus a
 * DEFAULT partition for receive times no day partition covers yet, e.g. a skewed clock). This
 * module keeps the day partitions a few days ahead and drops whole days once they are older than
 * the retention window (DESIGN §2.5: default 90 days) — a DROP TABLE per day, no row-by-row delete.
 *
 * De-duplication lives in event_keys, not in raw_events: a partitioned table can only be unique on
 * keys that contain the partition key, and a resend of an event arrives on another receive day.
 * event_keys holds (tenant_id, event_id) once, with the receive day, and is pruned here on the same
 * schedule, so an event is de-duplicated exactly as long as its raw event is retained.
 *
 * The edge of the window: ingestion refuses events older than its late-data window
 * (TALLY_LATE_DATA_WINDOW_DAYS, default 90) and more than 5 minutes in the future. A resend it can
 * still accept arrives at most late-window days + 5 minutes after the original. A day D is dropped
 * only once D < today − retention − 1, so every raw event (and its key) is kept at least
 * retention + 1 days: with retention ≥ the late-data window, every resend ingestion can accept is
 * recognised as a DUPLICATE here too. Set TALLY_RAW_EVENT_RETENTION_DAYS below the late-data
 * window and a resend after retention is counted again.
 *
 * Rollups are never dropped. Once days were dropped, raw events received before the horizon are
 * gone, so re-aggregation (rebuild-store.ts) rebuilds only occur days from the horizon + 1 day on.
 */
import type { Knex } from "#common/db.js";
import type { Logger } from "#common/logger.js";

const DAY_MS = 86_400_000;
/** Arbitrary but fixed: only one aggregator process runs retention at a time. */
export const RETENTION_LOCK = 0x7461_6c79; // "taly"
/** Days created ahead of today, so midnight never finds the next day's partition missing. */
const DAYS_AHEAD = 3;

export const utcDay = (t: Date) => t.toISOString().slice(0, 10);
const startOfUtcDay = (t: Date) => new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate()));
const addDays = (t: Date, days: number) => new Date(t.getTime() + days * DAY_MS);

/** raw_events_20250311 for 2025-03-11. */
export const partitionName = (day: string) => `raw_events_${day.replaceAll("-", "")}`;

/**
 * Creates the partition of each given UTC day (YYYY-MM-DD) that does not exist yet. Rows of that
 * day that meanwhile landed in the DEFAULT partition are moved into it in the same transaction
 * (attaching a range the default partition still holds rows of would fail).
 */
export async function ensureDayPartitions(db: Knex, days: string[]): Promise<string[]> {
  const created: string[] = [];
  for (const day of [...new Set(days)].sort()) {
    const name = partitionName(day);
    const exists = await db.raw("SELECT to_regclass(?) IS NOT NULL AS e", [name]);
    if (exists.rows[0].e) continue;
    const from = `${day}T00:00:00Z`;
    const to = `${utcDay(addDays(new Date(from), 1))}T00:00:00Z`;
    // Within a caller's transaction (a migration, a retention pass) this is a savepoint.
    await db.transaction(async (trx) => {
      await trx.raw(`CREATE TABLE ${name} (LIKE raw_events INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`);
      await trx.raw(
        `WITH moved AS (DELETE FROM raw_events_default WHERE receive_time >= ? AND receive_time < ? RETURNING *)
         INSERT INTO ${name} SELECT * FROM moved`,
        [from, to],
      );
      await trx.raw(`ALTER TABLE raw_events ATTACH PARTITION ${name} FOR VALUES FROM ('${from}') TO ('${to}')`);
    });
    created.push(name);
  }
  return created;
}

export interface RetentionOutcome {
  /** False when another process held the retention lock: it is doing the work. */
  ran: boolean;
  created: string[];
  dropped: string[];
  /** Raw events deleted from the DEFAULT partition and de-duplication keys pruned. */
  defaultRowsDeleted: number;
  keysDeleted: number;
  /** Raw events received before this are gone (null: nothing was ever dropped). */
  horizon: Date | null;
}

export class PgRawEventRetention {
  constructor(
    private readonly db: Knex,
    private readonly retentionDays: number,
    private readonly logger: Logger,
  ) {}

  /** Receive time below which raw events were dropped; null when retention never dropped any. */
  static async horizon(db: Knex): Promise<Date | null> {
    const r = await db.raw("SELECT dropped_before FROM raw_event_retention WHERE id = 1");
    return (r.rows[0]?.dropped_before as Date | undefined) ?? null;
  }

  /**
   * One retention pass, in one transaction under the advisory lock: prune the keys, delete stale
   * rows from the DEFAULT partition, drop the day partitions past the window, move the horizon,
   * create the coming days' partitions. Crash anywhere: nothing happened, the next pass does it all.
   */
  async run(now = new Date()): Promise<RetentionOutcome> {
    const today = startOfUtcDay(now);
    const cutoff = addDays(today, -(this.retentionDays + 1));
    const outcome: RetentionOutcome = { ran: false, created: [], dropped: [], defaultRowsDeleted: 0, keysDeleted: 0, horizon: null };
    await this.db.transaction(async (trx) => {
      const lock = await trx.raw("SELECT pg_try_advisory_xact_lock(?) AS got", [RETENTION_LOCK]);
      if (!lock.rows[0].got) return;
      outcome.ran = true;
      // A flush holds raw_events briefly; never queue behind a long one while blocking the next flushes.
      await trx.raw("SET LOCAL lock_timeout = '10s'");
      const keys = await trx.raw("DELETE FROM event_keys WHERE receive_day < ?", [utcDay(cutoff)]);
      outcome.keysDeleted = keys.rowCount ?? 0;
      const stale = await trx.raw("DELETE FROM raw_events_default WHERE receive_time < ?", [cutoff.toISOString()]);
      outcome.defaultRowsDeleted = stale.rowCount ?? 0;
      for (const { name, day } of await dayPartitions(trx)) {
        if (day >= utcDay(cutoff)) continue;
        await trx.raw(`DROP TABLE ${name}`);
        outcome.dropped.push(name);
      }
      if (outcome.dropped.length > 0 || outcome.defaultRowsDeleted > 0 || outcome.keysDeleted > 0) {
        await trx.raw(
          `INSERT INTO raw_event_retention (id, dropped_before) VALUES (1, ?)
           ON CONFLICT (id) DO UPDATE SET dropped_before = greatest(raw_event_retention.dropped_before, excluded.dropped_before), update_time = now()`,
          [cutoff.toISOString()],
        );
      }
      outcome.horizon = await PgRawEventRetention.horizon(trx);
      const ahead = Array.from({ length: DAYS_AHEAD + 2 }, (_, i) => utcDay(addDays(today, i - 1)));
      outcome.created = await ensureDayPartitions(trx, ahead);
    });
    if (outcome.dropped.length > 0 || outcome.created.length > 0) this.logger.info(outcome, "raw event retention");
    return outcome;
  }
}

/** The day partitions of raw_events (not the DEFAULT one), oldest first. */
async function dayPartitions(db: Knex): Promise<{ name: string; day: string }[]> {
  const r = await db.raw(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = 'raw_events'::regclass AND c.relname ~ '^raw_events_[0-9]{8}$' ORDER BY c.relname`,
  );
  return (r.rows as { name: string }[]).map(({ name }) => {
    const d = name.slice("raw_events_".length);
    return { name, day: `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}` };
  });
}
