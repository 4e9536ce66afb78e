/**
 * One flush: everything buffered goes to Postgres in ONE transaction together with the Kafka
 * positions it came from. Postgres, not Kafka, remembers what was applied, so the effect of every
 * message is exactly once however often Kafka delivers it.
 */
import type { Knex } from "../../../common/src/db.js";
import type { Logger } from "../../../common/src/logger.js";
import { campaignsOf, foldEvents, latestReports, type CampaignRef, type KafkaPosition, type PositionedEvent } from "../domain/ad-events.js";
import type { CampaignSignals } from "../cache/campaign-signals.js";
import { insertRawEvents } from "../store/raw-event-store.js";
import { upsertReports } from "../store/report-store.js";
import { upsertRollups } from "../store/rollup-store.js";
import type { PartitionPosition, PgOffsetStore } from "../store/offset-store.js";
import type { AggregatorMetrics } from "./aggregator-metrics.js";
import type { DeadLetterSink } from "./dead-letter.js";
import type { FlushBatch } from "./flush-buffer.js";

export interface FlushDeps {
  db: Knex;
  offsets: PgOffsetStore;
  deadLetters: DeadLetterSink;
  signals: CampaignSignals;
  metrics: AggregatorMetrics;
  logger: Logger;
}

export interface FlushOutcome {
  /** Stored next offset per partition after the commit. */
  positions: Map<number, bigint>;
  applied: number;
  duplicates: number;
  replayed: number;
  deadLettered: number;
}

/** Commits positions to Kafka: a hint for lag monitoring, never relied on. Given by the consumer. */
export type CommitHint = (positions: PartitionPosition[]) => Promise<void>;

export type Flush = (batch: FlushBatch, commitHint: CommitHint) => Promise<FlushOutcome>;

/** The first message per (tenant, event_id) within one flush; the others are duplicates. */
function firstPerEventKey(items: PositionedEvent[]): PositionedEvent[] {
  const seen = new Set<string>();
  return items.filter(({ event }) => {
    const key = `${event.tenantId}\u0000${event.eventId}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * The items at or above the stored offset of their partition: not applied yet. Also counts the
 * messages below it (a batch message yields many items, all at its offset).
 */
function unappliedPart(batch: FlushBatch, stored: Map<number, bigint>) {
  const replayed = new Set<string>();
  const unapplied = <T extends KafkaPosition>(x: T) => {
    if (x.offset >= (stored.get(x.partition) ?? 0n)) return true;
    replayed.add(`${x.partition}:${x.offset}`);
    return false;
  };
  const fresh = { events: batch.events.filter(unapplied), reports: batch.reports.filter(unapplied), deadLetters: batch.deadLetters.filter(unapplied) };
  return { ...fresh, replayedMessages: replayed.size };
}

export function createFlush(deps: FlushDeps): Flush {
  const { metrics, logger } = deps;

  async function writeAll(trx: Knex.Transaction, batch: FlushBatch) {
    // 1. Lock the stored offsets of the partitions in this flush and drop every message below them:
    //    those were applied by an earlier transaction (a crash after COMMIT but before the Kafka
    //    commit, a rebalance, a reset group offset). Crash here: nothing written; Kafka re-delivers.
    const stored = await deps.offsets.lock(trx, [...batch.partitions.keys()]);
    const fresh = unappliedPart(batch, stored);
    const { events, deadLetters } = fresh;
    const reports = latestReports(fresh.reports);

    // 2. Copy undecodable messages (and each invalid record of a batch, alone) to the dead-letter
    //    topic and wait for acks=all, before their offsets can be stored. Crash after the ack but
    //    before COMMIT: the message is re-delivered and dead-lettered again (at least once there;
    //    its headers carry the source offset).
    await deps.deadLetters.send(deadLetters);

    // 3. Insert raw events, one statement; (tenant_id, event_id) already present are skipped and
    //    exactly the new ones come back. Crash before COMMIT: rolled back with everything else;
    //    the re-delivery inserts them then.
    const candidates = firstPerEventKey(events);
    const applied = await insertRawEvents(trx, candidates);

    // 4. Fold only the newly inserted events into rollup deltas and add them to the stored sums
    //    (one upsert, rows in key order so concurrent flushes cannot deadlock).
    await upsertRollups(trx, foldEvents(applied.map((a) => a.event)));

    // 5. Platform report rows are snapshots: the latest report_time replaces the numbers.
    const reportCampaigns = await upsertReports(trx, reports);

    // 6. Store the positions read, in the same transaction. COMMIT makes 3–6 visible together:
    //    from here on a crash or a replay changes nothing, because step 1 drops what is below.
    const positions = [...batch.partitions.values()].map(({ partition, nextOffset, caughtUpAt }) => ({ partition, nextOffset, caughtUpAt }));
    await deps.offsets.save(trx, positions);

    const after = new Map(stored);
    for (const p of positions) if (p.nextOffset > (after.get(p.partition) ?? 0n)) after.set(p.partition, p.nextOffset);
    const changed: CampaignRef[] = campaignsOf([...applied.map((a) => a.event), ...reportCampaigns]);
    const replayed = fresh.replayedMessages;
    return { positions, after, changed, applied: applied.length, duplicates: events.length - applied.length, replayed, deadLetters };
  }

  return async function flush(batch, commitHint) {
    const stop = metrics.flushSeconds.startTimer();
    const result = await deps.db.transaction((trx) => writeAll(trx, batch));

    // 7. After COMMIT, best effort: renew the generation of each changed campaign (cached insights
    //    become unreachable) and publish to live streams — first, since until then a query can
    //    still get the previous cached answer — then commit the positions to Kafka (a hint: on
    //    start the aggregator seeks to the stored ones). A crash here loses only hints: the data
    //    is committed; cached answers may stay stale for at most their TTL.
    await deps.signals.changed(result.changed).catch((err) => logger.error({ err }, "could not signal changed campaigns"));
    await commitHint(result.positions).catch((err) => logger.debug({ err: (err as Error).message }, "kafka offset commit (hint) failed"));

    metrics.applied.inc(result.applied);
    metrics.duplicates.inc(result.duplicates);
    metrics.replayed.inc(result.replayed);
    for (const d of result.deadLetters) metrics.deadLetters.inc({ reason: d.reason });
    stop();
    logger.debug({ applied: result.applied, duplicates: result.duplicates, replayed: result.replayed, deadLettered: result.deadLetters.length }, "flushed");
    return {
      positions: result.after,
      applied: result.applied,
      duplicates: result.duplicates,
      replayed: result.replayed,
      deadLettered: result.deadLetters.length,
    };
  };
}
