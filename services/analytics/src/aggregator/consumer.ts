/**
 * The Kafka side of the aggregator: a consumer group member on ad-events that reads batches into
 * a FlushBuffer and flushes at most every flushMs (sooner when the buffer is large: then it reads
 * on while that flush runs, never more than one flush ahead). Offsets are resolved as soon as
 * messages are buffered (that only moves the fetch position); what has been applied is known from
 * Postgres alone, and every (re)assignment seeks there.
 */
import type { Consumer, ConsumerConfig, EachBatchPayload, Kafka } from "kafkajs";
import type { Logger } from "../../../common/src/logger.js";
import type { PartitionPosition, PgOffsetStore } from "../store/offset-store.js";
import { decodeMessage } from "./decode.js";
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

export class KafkaAggregator {
  readonly consumer: Consumer;
  private readonly buffer = new FlushBuffer();
  /** Stored next offset of each assigned partition: messages below it are already applied. */
  private readonly applied = new Map<number, bigint>();
  private ready: Promise<void> = Promise.resolve();
  private flushing: Promise<void> = Promise.resolve();
  private inBatch: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private stopping = false;
  private giveUpAt = Infinity;

  constructor(private readonly opts: AggregatorOptions) {
    this.consumer = opts.kafka.consumer({
      groupId: opts.groupId,
      // A short broker wait keeps the path from ingest to rollups well inside flushMs + 1 s.
      maxWaitTimeInMs: 250,
      maxBytesPerPartition: 4 * 1024 * 1024,
      ...opts.consumerConfig,
    });
  }

  async start(): Promise<void> {
    const { consumer, opts } = this;
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      // Set synchronously: the first batch of the new generation waits for the seeks.
      this.ready = this.onAssignment(e.payload.memberAssignment[opts.topic] ?? []);
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
    this.flushing = this.flushing.then(() => this.flushBuffered());
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
    await this.ready;
    // A stale batch was fetched before a seek: the re-fetch from the stored offset follows.
    if (this.stopping || !isRunning() || isStale() || batch.messages.length === 0) return;
    const fetchedAt = new Date();
    const { partition } = batch;
    const appliedBelow = this.applied.get(partition) ?? 0n;
    for (const m of batch.messages) {
      const offset = BigInt(m.offset);
      if (offset < appliedBelow) continue;
      this.buffer.add(partition, { offset, key: m.key, value: m.value }, decodeMessage(m.value, new Date(Number(m.timestamp))));
    }
    const last = batch.lastOffset();
    this.buffer.endOfBatch(partition, BigInt(last) + 1n, BigInt(batch.highWatermark), fetchedAt);
    resolveOffset(last);
    await heartbeat();
    if (this.buffer.size >= this.opts.maxBufferMessages) {
      // Back-pressure with one flush in flight: wait for the flush under way, then start this
      // buffer's flush and read on while Postgres writes it, so decoding overlaps writing. Nothing
      // changes for the guarantees: offsets are stored with the data, whichever flush commits.
      await this.flushing;
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
    try {
      const outcome = await this.retry("flush", () => this.opts.flush(batch, (p) => this.commitHint(p)));
      for (const [partition, next] of outcome.positions) this.applied.set(partition, next);
    } catch (err) {
      // Only when stopping: nothing of this batch was stored, so its next owner reads it again.
      this.opts.logger.warn({ err }, "gave up flushing while stopping; the batch will be re-read from the stored offsets");
    }
  }

  private async commitHint(positions: PartitionPosition[]): Promise<void> {
    const topic = this.opts.topic;
    await this.consumer.commitOffsets(positions.map((p) => ({ topic, partition: p.partition, offset: p.nextOffset.toString() })));
  }

  /** Retries with backoff while Postgres (or the DLQ) is unavailable; gives up only when stopping. */
  private async retry<T>(what: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (this.stopping && Date.now() >= this.giveUpAt) throw err;
        const delay = Math.min(100 * 2 ** attempt, 5_000);
        this.opts.logger.error({ err, attempt, delay }, `${what} failed; retrying`);
        await sleep(delay);
      }
    }
  }
}
