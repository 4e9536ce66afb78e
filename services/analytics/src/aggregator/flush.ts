/**
 * One flush: everything buffered goes to Postgres in ONE transaction together with the Kafka
 * positions it came from. Postgres, not Kafka, remembers what was applied, so the effect of every
 * message is exactly once however often Kafka delivers it.
 *
 * When Postgres refuses the data of the batch (failure-classifier.ts: REFUSED), the flush runs
 * again at once in isolating mode: the refused records are found by bisection, dead-lettered with
 * their reason and coordinates, and everything else is committed as usual, so one tenant's poison
 * never holds up another tenant's numbers. Transient and fatal failures are the caller's to handle.
 */
import type { Span } from "@opentelemetry/api";
import type { Knex } from "#common/db.js";
import type { Logger } from "#common/logger.js";
import { TRACING_OFF, type Tracing } from "#common/tracing.js";
import { campaignsOf, latestReports, type CampaignRef, type KafkaPosition, type PositionedEvent, type PositionedReport } from "../domain/ad-events.js";
import type { CampaignSignals } from "../signals/campaign-signals.js";
import type { PartitionPosition, PgOffsetStore } from "../store/offset-store.js";
import { markPacingChecks } from "../store/pacing-store.js";
import type { AggregatorMetrics } from "./aggregator-metrics.js";
import type { DeadLetterSink } from "./dead-letter.js";
import { endFlushSpan, recordApplied, startFlushSpan } from "./flush-tracing.js";
import { classifyFailure, describeFailure } from "./failure-classifier.js";
import type { DeadLetter, FlushBatch } from "./flush-buffer.js";
import { writeIsolating, writeTogether, type RecordsWritten } from "./flush-records.js";
import { refusedLetter } from "./refused-letter.js";

export interface FlushDeps {
  db: Knex;
  offsets: PgOffsetStore;
  deadLetters: DeadLetterSink;
  signals: CampaignSignals;
  metrics: AggregatorMetrics;
  logger: Logger;
  /** Budget pacing (pacing-monitor.ts): told after COMMIT that checks are waiting. */
  pacing?: { poke(): void };
  /** The source topic: names the flush's spans. */
  topic: string;
  tracing?: Tracing;
}

export interface FlushOutcome {
  /** Stored next offset per partition after the commit. */
  positions: Map<number, bigint>;
  applied: number;
  duplicates: number;
  replayed: number;
  deadLettered: number;
  /** Of deadLettered: records Postgres refused, found by bisection. */
  refused: number;
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

type WriteRecords = (trx: Knex.Transaction, events: PositionedEvent[], reports: PositionedReport[]) => Promise<RecordsWritten>;

/** Most dead letters logged one by one per flush; the rest are counted in one line. */
const MAX_LOGGED_LETTERS = 100;

/** A line per dead letter, with the request id of the call that sent the record (its message's headers). */
function logDeadLetters(logger: Logger, letters: DeadLetter[]): void {
  for (const l of letters.slice(0, MAX_LOGGED_LETTERS)) {
    logger.warn(
      { partition: l.partition, offset: l.offset.toString(), reason: l.reason, detail: l.detail, requestId: l.origin?.requestId },
      "dead-lettered a record",
    );
  }
  if (letters.length > MAX_LOGGED_LETTERS) logger.warn({ notLogged: letters.length - MAX_LOGGED_LETTERS }, "dead-lettered more records in this flush");
}

export function createFlush(deps: FlushDeps): Flush {
  const { metrics, logger } = deps;
  const tracing = deps.tracing ?? TRACING_OFF;

  async function writeAll(trx: Knex.Transaction, batch: FlushBatch, writeRecords: WriteRecords) {
    // 1. Lock the stored offsets of the partitions in this flush and drop every message below them:
    //    those were applied by an earlier transaction (a crash after COMMIT but before the Kafka
    //    commit, a rebalance, a reset group offset). Crash here: nothing written; Kafka re-delivers.
    const stored = await deps.offsets.lock(trx, [...batch.partitions.keys()]);
    const fresh = unappliedPart(batch, stored);
    const reports = latestReports(fresh.reports);

    // 2. Insert raw events (only the first per (tenant_id, event_id); those already present are
    //    skipped and exactly the new ones come back), fold the new ones into the rollup sums, upsert
    //    the report snapshots. In isolating mode, by bisection under savepoints: every record but the
    //    refused ones is written once. Crash here: rolled back; the re-delivery writes it all then.
    const candidates = firstPerEventKey(fresh.events);
    const written = await writeRecords(trx, candidates, reports);

    // 3. Copy undecodable messages, invalid records and records the store refused to the
    //    dead-letter topic and wait for acks=all, before their offsets can be stored. Crash after
    //    the ack but before COMMIT: nothing is stored, the messages are re-delivered and
    //    dead-lettered again (at least once there; the headers carry the source offset to tell).
    //    If the produce fails (Kafka away), the transaction rolls back and the flush is retried.
    const deadLetters = [...fresh.deadLetters, ...written.refused.map((r) => refusedLetter(r, batch.messages))];
    await deps.deadLetters.send(deadLetters);

    // 4. Store the positions read, in the same transaction; they pass the dead-lettered messages
    //    too. COMMIT makes 2 and 4 visible together: from here on a crash or a replay changes
    //    nothing, because step 1 drops what is below. Crash before COMMIT: as in 2.
    const positions = [...batch.partitions.values()].map(({ partition, nextOffset, caughtUpAt }) => ({ partition, nextOffset, caughtUpAt }));
    await deps.offsets.save(trx, positions);

    const after = new Map(stored);
    for (const p of positions) if (p.nextOffset > (after.get(p.partition) ?? 0n)) after.set(p.partition, p.nextOffset);
    const changed: CampaignRef[] = campaignsOf([...written.applied.map((a) => a.event), ...written.reportCampaigns]);
    // 4b. Mark the changed campaigns for a budget check, in the same transaction: the check is
    //     never lost, and runs after COMMIT (pacing-monitor.ts), where a remote call is harmless.
    await markPacingChecks(trx, changed);
    const replayed = fresh.replayedMessages;
    const applied = written.applied.length;
    const refusedEvents = written.refused.filter((r) => r.item.kind === "event").length;
    const duplicates = fresh.events.length - applied - refusedEvents;
    return { positions, stored, after, changed, applied, duplicates, replayed, deadLetters, refused: written.refused.length };
  }

  /** The batch in one go; if Postgres refuses its data, again at once, isolating the refused records. */
  async function commit(batch: FlushBatch) {
    try {
      return await deps.db.transaction((trx) => writeAll(trx, batch, writeTogether));
    } catch (err) {
      const kind = classifyFailure(err);
      metrics.flushFailures.inc({ kind });
      if (kind !== "REFUSED") throw err;
      logger.warn({ failure: describeFailure(err) }, "the store refused part of the batch; isolating the refused records");
      return deps.db.transaction((trx) => writeAll(trx, batch, writeIsolating));
    }
  }

  return async function flush(batch, commitHint) {
    const span = startFlushSpan(tracing, deps.topic, batch);
    try {
      const outcome = await flushTraced(batch, commitHint, span);
      endFlushSpan(span, outcome);
      return outcome;
    } catch (err) {
      endFlushSpan(span, null, err);
      throw err;
    }
  };

  async function flushTraced(batch: FlushBatch, commitHint: CommitHint, span: Span): Promise<FlushOutcome> {
    const stop = metrics.flushSeconds.startTimer();
    const result = await commit(batch);
    recordApplied(tracing, deps.topic, batch, span, result.stored, new Date());

    // 5. After COMMIT, best effort: renew the generation of each changed campaign (cached insights
    //    become unreachable) and publish to live streams — first, since until then a query can
    //    still get the previous cached answer — then commit the positions to Kafka (a hint: on
    //    start the aggregator seeks to the stored ones). A crash here loses only hints: the data
    //    is committed; cached answers may stay stale for at most their TTL.
    await deps.signals.changed(result.changed).catch((err) => logger.error({ err }, "could not signal changed campaigns"));
    if (result.changed.length > 0) deps.pacing?.poke();
    await commitHint(result.positions).catch((err) => logger.debug({ err: (err as Error).message }, "kafka offset commit (hint) failed"));

    metrics.applied.inc(result.applied);
    metrics.duplicates.inc(result.duplicates);
    metrics.replayed.inc(result.replayed);
    for (const d of result.deadLetters) metrics.deadLetters.inc({ reason: d.reason });
    stop();
    logDeadLetters(logger, result.deadLetters);
    logger.debug({ applied: result.applied, duplicates: result.duplicates, replayed: result.replayed, deadLettered: result.deadLetters.length }, "flushed");
    return {
      positions: result.after,
      applied: result.applied,
      duplicates: result.duplicates,
      replayed: result.replayed,
      deadLettered: result.deadLetters.length,
      refused: result.refused,
    };
  }
}
