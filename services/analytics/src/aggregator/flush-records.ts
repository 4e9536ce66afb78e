/**
 * The record-writing part of a flush: raw events, their rollup sums and platform report rows, all
 * inside the flush's transaction. Normally one go; after the store refused the batch, in isolating
 * mode, which bisects under savepoints so that every record but the refused ones is written once.
 */
import type { Knex } from "#common/db.js";
import { foldEvents, type CampaignRef, type PositionedEvent, type PositionedReport } from "../domain/ad-events.js";
import { insertRawEvents } from "../store/raw-event-store.js";
import { upsertReports } from "../store/report-store.js";
import { upsertRollups } from "../store/rollup-writer.js";
import { classifyFailure } from "./failure-classifier.js";
import { isolateRefused, type Refused } from "./refused-bisect.js";

export type StoreRecord = { kind: "event"; item: PositionedEvent } | { kind: "report"; item: PositionedReport };

export interface RecordsWritten {
  /** Events new to raw_events, now in the rollups. */
  applied: PositionedEvent[];
  /** Campaigns whose report rows changed. */
  reportCampaigns: CampaignRef[];
  /** Records the store refused (isolating mode only). */
  refused: Refused<StoreRecord>[];
}

/** events: at most one per (tenant, event_id); reports: at most one per report key. */
async function writeGroup(trx: Knex.Transaction, events: PositionedEvent[], reports: PositionedReport[]) {
  // Raw events first: exactly the new ones come back, and only those are folded into the sums.
  const applied = await insertRawEvents(trx, events);
  // One upsert, rows in key order, so concurrent flushes cannot deadlock.
  await upsertRollups(trx, foldEvents(applied.map((a) => a.event)));
  const reportCampaigns = await upsertReports(trx, reports);
  return { applied, reportCampaigns };
}

/** The normal path: everything in one go; any failure fails the whole transaction. */
export async function writeTogether(trx: Knex.Transaction, events: PositionedEvent[], reports: PositionedReport[]): Promise<RecordsWritten> {
  return { ...(await writeGroup(trx, events, reports)), refused: [] };
}

/**
 * After a refusal: bisect the records, each attempt under a savepoint that a refusal rolls back.
 * Attempts run one after another, never nested, so one savepoint name suffices. A failure that is
 * not a refusal (connection lost) propagates and fails the transaction as usual.
 */
export async function writeIsolating(trx: Knex.Transaction, events: PositionedEvent[], reports: PositionedReport[]): Promise<RecordsWritten> {
  const written: RecordsWritten = { applied: [], reportCampaigns: [], refused: [] };
  const records: StoreRecord[] = [...events.map((item) => ({ kind: "event" as const, item })), ...reports.map((item) => ({ kind: "report" as const, item }))];
  written.refused = await isolateRefused(records, {
    isRefusal: (err) => classifyFailure(err) === "REFUSED",
    async attempt(group) {
      const groupEvents = group.flatMap((r) => (r.kind === "event" ? [r.item] : []));
      const groupReports = group.flatMap((r) => (r.kind === "report" ? [r.item] : []));
      await trx.raw("SAVEPOINT isolate_records");
      let result: Awaited<ReturnType<typeof writeGroup>>;
      try {
        result = await writeGroup(trx, groupEvents, groupReports);
      } catch (err) {
        await trx.raw("ROLLBACK TO SAVEPOINT isolate_records");
        throw err;
      }
      await trx.raw("RELEASE SAVEPOINT isolate_records");
      written.applied.push(...result.applied);
      written.reportCampaigns.push(...result.reportCampaigns);
    },
  });
  return written;
}
