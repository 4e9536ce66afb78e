/**
 * What the aggregator has read but not yet written: decoded events and reports, dead letters, and
 * per partition how far it has read and whether it reached the high watermark. take() hands the
 * lot to a flush and starts empty, so reading goes on while a flush runs.
 */
import type { MessageOrigin } from "#common/message-origin.js";
import type { KafkaPosition, PositionedEvent, PositionedReport } from "../domain/ad-events.js";
import type { PartitionPosition } from "../store/offset-store.js";
import type { Decoded, DeadLetterReason } from "./decode.js";

/** Key of FlushBatch.messages. */
export const messageKey = (partition: number, offset: bigint) => `${partition}:${offset}`;

export interface DeadLetter extends KafkaPosition {
  reason: DeadLetterReason;
  detail: string;
  key: Buffer | null;
  value: Buffer | null;
  /** The call that published the message (request id, trace context), carried on to the dead-letter topic. */
  origin?: MessageOrigin;
}

export interface FlushBatch {
  events: PositionedEvent[];
  reports: PositionedReport[];
  deadLetters: DeadLetter[];
  /**
   * Every message read, by messageKey(partition, offset): what a record the store refuses is
   * dead-lettered as. References the buffers Kafka handed over; nothing is copied.
   */
  messages: Map<string, RawMessage>;
  /** Per partition: first offset read, the position after the last, caught-up time. */
  partitions: Map<number, PartitionPosition & { firstOffset: bigint }>;
}

export interface RawMessage {
  offset: bigint;
  key: Buffer | null;
  value: Buffer | null;
  /** From the message headers: the request id and trace context of the call that published it. */
  origin?: MessageOrigin;
  /** When it was fetched (the start of its `apply` span). */
  readAt?: Date;
}

export class FlushBuffer {
  private batch = FlushBuffer.empty();

  private static empty(): FlushBatch {
    return { events: [], reports: [], deadLetters: [], messages: new Map(), partitions: new Map() };
  }

  /** Items buffered (events, reports and dead letters): a batch message counts once per event. */
  get size(): number {
    return this.batch.events.length + this.batch.reports.length + this.batch.deadLetters.length;
  }

  get isEmpty(): boolean {
    return this.batch.partitions.size === 0;
  }

  /** Adds what one message decoded to; every item keeps the message's position. */
  add(partition: number, message: RawMessage, items: Decoded[]): void {
    const { offset, key, origin } = message;
    this.batch.messages.set(messageKey(partition, offset), message);
    for (const d of items) {
      if (d.kind === "event") this.batch.events.push({ partition, offset, event: d.event });
      else if (d.kind === "report") this.batch.reports.push({ partition, offset, report: d.report });
      else this.batch.deadLetters.push({ partition, offset, reason: d.reason, detail: d.detail, key, value: d.value ?? message.value, origin });
    }
    this.advance(partition, offset, offset + 1n);
  }

  /**
   * Records the end of a fetched batch: everything below nextOffset has been read, and if that
   * reached the high watermark, everything produced before fetchedAt has been read.
   */
  endOfBatch(partition: number, nextOffset: bigint, highWatermark: bigint, fetchedAt: Date): void {
    const p = this.advance(partition, nextOffset, nextOffset);
    if (nextOffset >= highWatermark) p.caughtUpAt = fetchedAt;
  }

  private advance(partition: number, firstOffset: bigint, nextOffset: bigint) {
    let p = this.batch.partitions.get(partition);
    if (!p) {
      p = { partition, firstOffset, nextOffset, caughtUpAt: null };
      this.batch.partitions.set(partition, p);
    }
    if (nextOffset > p.nextOffset) p.nextOffset = nextOffset;
    return p;
  }

  take(): FlushBatch {
    const taken = this.batch;
    this.batch = FlushBuffer.empty();
    return taken;
  }
}
