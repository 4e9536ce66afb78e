/**
 * raw_events and event_keys: the de-duplication truth and the base for re-aggregation. One
 * statement per flush over json_to_recordset(…): the hot path (tens of thousands of events a
 * second) never issues a statement per row. event_keys holds the uniqueness of (tenant_id,
 * event_id), which the raw_events partitions (by receive day) cannot (raw-event-retention.ts).
 */
import type { Knex } from "#common/db.js";
import type { PositionedEvent } from "../domain/ad-events.js";
import { rawEventsJson } from "./mapping.js";

const ROWS = `
rows AS MATERIALIZED (
  SELECT t, e, c, y, p, r, to_timestamp(om / 1000.0) AS o, to_timestamp(rtm / 1000.0) AS rt, v, co, f, kp, ko, a
  FROM json_to_recordset(?::json) AS x(t text, e text, c text, y int2, p text, r text, om int8, rtm int8,
                                       v int8, co int8, f bool, kp int4, ko int8, a text)
)`;

const INSERT_RAW = `
INSERT INTO raw_events (tenant_id, event_id, campaign_id, type, platform, region, occur_time, receive_time,
                        value_micros, cost_micros, filtered, kafka_partition, kafka_offset, conversion_action)
SELECT t, e, c, y, p, r, o, rt, v, co, f, kp, ko, a FROM rows`;

const KEY_COLUMNS = "(tenant_id, event_id, receive_day) SELECT t, e, (rt AT TIME ZONE 'UTC')::date FROM rows";

/** Every key new: fails with a unique violation as soon as one exists. */
const INSERT_ALL = `
WITH ${ROWS}, keys AS (INSERT INTO event_keys ${KEY_COLUMNS})
${INSERT_RAW}`;

/** Only the events whose key is new; answers exactly those. */
const INSERT_NEW_ONLY = `
WITH ${ROWS}, keys AS (INSERT INTO event_keys ${KEY_COLUMNS} ON CONFLICT (tenant_id, event_id) DO NOTHING RETURNING tenant_id, event_id),
raw AS (${INSERT_RAW} JOIN keys ON keys.tenant_id = rows.t AND keys.event_id = rows.e)
SELECT tenant_id, event_id FROM keys`;

const UNIQUE_VIOLATION = "23505";

const eventKey = (tenantId: string, eventId: string) => `${tenantId}\u0000${eventId}`;

/**
 * Inserts the events whose (tenant_id, event_id) is new and answers exactly those. The caller
 * passes each key at most once.
 *
 * Duplicates are rare here (ingestion answers DUPLICATE for most, and replays below the stored
 * offset never get this far), so a plain INSERT is tried first inside a savepoint: it skips the
 * speculative-insertion and RETURNING work. Only when some key exists does it fall back to
 * ON CONFLICT DO NOTHING, inserting the raw events of the keys actually inserted.
 */
export async function insertRawEvents(trx: Knex.Transaction, items: PositionedEvent[]): Promise<PositionedEvent[]> {
  if (items.length === 0) return [];
  const rows = rawEventsJson(items);
  await trx.raw("SAVEPOINT raw_events_insert");
  try {
    await trx.raw(INSERT_ALL, [rows]);
    await trx.raw("RELEASE SAVEPOINT raw_events_insert");
    return items;
  } catch (err) {
    if ((err as { code?: string }).code !== UNIQUE_VIOLATION) throw err;
    await trx.raw("ROLLBACK TO SAVEPOINT raw_events_insert");
  }
  // Matched by (tenant_id, event_id), not by Kafka position: the events of one batch message share it.
  const result = await trx.raw(INSERT_NEW_ONLY, [rows]);
  const inserted = new Set((result.rows as { tenant_id: string; event_id: string }[]).map((r) => eventKey(r.tenant_id, r.event_id)));
  return items.filter((i) => inserted.has(eventKey(i.event.tenantId, i.event.eventId)));
}
