/**
 * The Kafka side of the aggregator: a consumer group member on ad-events that reads batches into
 * a FlushBuffer and flushes at most flushMs after the first buffered message — at once when it has
 * caught up with the log and no flush is under way, sooner when the buffer is large (then it reads
 * on while that flush runs, never more than one flush ahead). Offsets are resolved as soon as
 * messages are buffered (that only moves the fetch position); what has been applied is known from
 * Postgres alone, and every (re)assignment seeks there.
 *
 * Failures (failure-classifier.ts): a TRANSIENT one is retried with backoff; anything else stops
 * this member for good (onFatal): it never flushes again, so no later position can be stored past
 * the batch it could not write, and the partitions go to a member that can.
 */
import type { Consumer, ConsumerConfig, EachBatchPayload, Kafka } from "kafkajs";
import type { Logger } from "#common/logger.js";
import { readOrigin } from "#common/message-origin.js";
import type { PartitionPosition, PgOffsetStore } from "../store/offset-store.js";
import { decodeMessage } from "./decode.js";
import { classifyFailure, describeFailure } from "./failure-classifier.js";
import { FlushBuffer } from "./flush-buffer.js";
import type { Flush } from "./flush.js";

export interface AggregatorOptions {
  kafka: Kafka;
  topic: string;
  groupId: string;
  flushMs: number;
  /** Flush at once when this many items are buffered (a batch message counts once per event). */
  maxBufferMessages: number;
  flush: Flush;
  offsets: PgOffsetStore;
  logger: Logger;
  /** Called when the consumer crashed for good; the process should stop. */
  onFatal?: (err: unknown) => void;
  consumerConfig?: Partial<ConsumerConfig>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** How long stop() keeps retrying a failing final flush before leaving it to the next owner. */
const STOP_FLUSH_GRACE_MS = 10_000;

/**
 * Group membership tuned for fast take-over. After a kill -9 the coordinator holds the dead
 * member's partitions until its session expires, so the session is as short as the broker allows
 * by default (group.min.session.timeout.ms = 6 s) instead of kafkajs's 30 s. kafkajs heartbeats
 * only between batches or when eachBatch calls heartbeat(), so waits inside a batch heartbeat
 * (see heartbeating()); a member that still misses its session rejoins and seeks from the stored
 * offsets, which changes nothing for the data. A rebalance waits at most 15 s for live members.
 * Measured (test/measure-resume.ts, kill -9 then immediate restart, all 6 partitions aggregating
 * again): 6.6 s, against 16.5 s with kafkajs's 30 s session (cut short by this rebalance timeout).
 * kafkajs 2.2 has no static membership (group.instance.id), which would make it about 1 s.
 */
export const GROUP_TIMING = { sessionTimeout: 6_000, heartbeatInterval: 500, rebalanceTimeout: 15_000 } as const;

export class KafkaAggregator {
  readonly consumer: Consumer;
  private readonly buffer = new FlushBuffer();
  /** Stored next offset of each assigned partition: messages below it are already applied. */
  private readonly applied = new Map<number, bigint>();
  private ready: Promise<void> = Promise.resolve();
  private flushing: Promise<void> = Promise.resolve();
  private inBatch: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  /** Flushes started and not yet settled. */
  private pendingFlushes = 0;
  private stopping = false;
  /** Set on a failure that is not transient: nothing is flushed any more. */
  private failed = false;
  private giveUpAt = Infinity;

  constructor(private readonly opts: AggregatorOptions) {
    this.consumer = opts.kafka.consumer({
      groupId: opts.groupId,
      // A short broker wait keeps the path from ingest to rollups well inside flushMs + 1 s.
      maxWaitTimeInMs: 250,
      maxBytesPerPartition: 4 * 1024 * 1024,
      ...GROUP_TIMING,
      ...opts.consumerConfig,
    });
  }

  async start(): Promise<void> {
    const { consumer, opts } = this;
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      // Set synchronously: the first batch of the new generation waits for the seeks.
      this.ready = this.onAssignment(e.payload.memberAssignment[opts.topic] ?? []).catch((err) => this.fail(err));
    });
    consumer.on(consumer.events.CRASH, (e) => {
      if (!e.payload.restart) opts.onFatal?.(e.payload.error);
    });
    await consumer.connect();
    // A brand-new group starts at the beginning: nothing accepted before the first start is skipped.
    await consumer.subscribe({ topic: opts.topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => {
        const run = this.handleBatch(payload);
        this.inBatch = run.catch(() => undefined);
        return run;
      },
    });
  }

  /** Stop reading, flush what is buffered, commit, leave the group. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.giveUpAt = Date.now() + STOP_FLUSH_GRACE_MS;
    try {
      this.consumer.pause([{ topic: this.opts.topic }]);
    } catch {
      // Not running yet: nothing to pause.
    }
    await this.inBatch;
    await this.ready.catch(() => undefined);
    await this.flushNow();
    await this.consumer.disconnect();
  }

  /** Flushes everything buffered so far (after any flush already under way). */
  flushNow(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pendingFlushes++;
    this.flushing = this.flushing.then(() => this.flushBuffered()).finally(() => this.pendingFlushes--);
    return this.flushing;
  }

  private async onAssignment(partitions: number[]): Promise<void> {
    // What was read under the previous assignment is written first, so the stored offsets are current.
    await this.flushNow();
    this.applied.clear();
    const stored = await this.retry("read stored offsets", () => this.opts.offsets.read(partitions));
    for (const partition of partitions) {
      // No stored position means nothing was applied (even if Kafka remembers a commit, e.g. after
      // the database was replaced): read from the start. Below the log start, Kafka answers
      // OFFSET_OUT_OF_RANGE and the consumer resets to the earliest offset.
      const offset = stored.get(partition) ?? 0n;
      this.applied.set(partition, offset);
      this.consumer.seek({ topic: this.opts.topic, partition, offset: offset.toString() });
    }
    this.opts.logger.info({ partitions, seeks: Object.fromEntries([...this.applied].map(([p, o]) => [p, o.toString()])) }, "partitions assigned");
  }

  private async handleBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    await heartbeating(this.ready, heartbeat);
    // A stale batch was fetched before a seek: the re-fetch from the stored offset follows.
    if (this.stopping || this.failed || !isRunning() || isStale() || batch.messages.length === 0) return;
    const fetchedAt = new Date();
    const { partition } = batch;
    const appliedBelow = this.applied.get(partition) ?? 0n;
    for (const m of batch.messages) {
      const offset = BigInt(m.offset);
      if (offset < appliedBelow) continue;
      const message = { offset, key: m.key, value: m.value, origin: readOrigin(m.headers), readAt: fetchedAt };
      this.buffer.add(partition, message, decodeMessage(m.value, new Date(Number(m.timestamp))));
    }
    const last = batch.lastOffset();
    const caughtUp = BigInt(last) + 1n >= BigInt(batch.highWatermark);
    this.buffer.endOfBatch(partition, BigInt(last) + 1n, BigInt(batch.highWatermark), fetchedAt);
    resolveOffset(last);
    await heartbeat();
    if (this.buffer.size >= this.opts.maxBufferMessages) {
      // Back-pressure with one flush in flight: wait for the flush under way, then start this
      // buffer's flush and read on while Postgres writes it, so decoding overlaps writing. Nothing
      // changes for the guarantees: offsets are stored with the data, whichever flush commits.
      await heartbeating(this.flushing, heartbeat);
      void this.flushNow();
    } else if (caughtUp && this.pendingFlushes === 0) {
      // Nothing more to read and Postgres idle: waiting for the timer would only delay the data.
      // Under load the reader is rarely caught up, and a flush under way keeps this from firing,
      // so batches still grow with the load.
      void this.flushNow();
    } else this.armTimer();
  }

  private armTimer(): void {
    if (this.timer || this.buffer.isEmpty) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flushNow();
    }, this.opts.flushMs);
  }

  private async flushBuffered(): Promise<void> {
    if (this.buffer.isEmpty) return;
    const batch = this.buffer.take();
    // After a fatal failure a later batch must not be stored past the one that failed.
    if (this.failed) return;
    try {
      const outcome = await this.retry("flush", () => this.opts.flush(batch, (p) => this.commitHint(p)));
      for (const [partition, next] of outcome.positions) this.applied.set(partition, next);
    } catch (err) {
      // Nothing of this batch was stored, so the partitions' next owner reads it again.
      if (this.stopping && classifyFailure(err) === "TRANSIENT") {
        this.opts.logger.warn({ failure: describeFailure(err) }, "gave up flushing while stopping; the batch will be re-read from the stored offsets");
      } else this.fail(err);
    }
  }

  private fail(err: unknown): void {
    if (this.failed) return;
    this.failed = true;
    const stack = (err as Error)?.stack?.split("\n").slice(1, 8).join("\n");
    this.opts.logger.fatal({ failure: describeFailure(err), stack }, "a failure that is neither transient nor one record's; this member stops");
    this.opts.onFatal?.(err);
  }

  private async commitHint(positions: PartitionPosition[]): Promise<void> {
    const topic = this.opts.topic;
    await this.consumer.commitOffsets(positions.map((p) => ({ topic, partition: p.partition, offset: p.nextOffset.toString() })));
  }

  /**
   * Retries TRANSIENT failures (Postgres or the DLQ unavailable) with backoff; gives up on those
   * only when stopping. Any other failure is thrown at once: repeating it cannot help.
   */
  private async retry<T>(what: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (classifyFailure(err) !== "TRANSIENT") throw err;
        if (this.stopping && Date.now() >= this.giveUpAt) throw err;
        const delay = Math.min(100 * 2 ** attempt, 5_000);
        // Not the error itself: knex puts the statement and its bound values (records) in its message.
        this.opts.logger.error({ failure: describeFailure(err), attempt, delay }, `${what} failed transiently; retrying`);
        await sleep(delay);
      }
    }
  }
}

/**
 * Awaits `work` inside eachBatch while heartbeating, so a long wait (a slow flush, Postgres
 * restarting) does not cost this member its session. kafkajs throttles heartbeat() to
 * heartbeatInterval; when a rebalance is under way it throws, ending the batch so the member rejoins.
 */
async function heartbeating(work: Promise<unknown>, heartbeat: () => Promise<void>): Promise<void> {
  let done = false;
  const finished = work.then(
    () => void (done = true),
    () => void (done = true),
  );
  while (!done) {
    await Promise.race([finished, sleep(GROUP_TIMING.heartbeatInterval)]);
    if (!done) await heartbeat();
  }
  await work;
}
