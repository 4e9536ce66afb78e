import { setTimeout as sleep } from "node:timers/promises";
import { ReceiptStatus, type AdEvent, type IngestEventsResponse } from "#gen/tally/ingestion/v1/ingestion.js";
import type { Logger } from "#common/logger.js";
import type { TrafficGenerator } from "./traffic.js";

export interface SenderStats {
  sent: number;
  accepted: number;
  duplicate: number;
  filtered: number;
  rejected: number;
  /** Rejections by reason: a healthy demo has none. */
  rejectedByReason: Record<string, number>;
  failedCalls: number;
}

export interface TrafficSenderOptions {
  rate: number;
  batchSize: number;
  summaryEveryMs: number;
}

/** How often the sender wakes up to send what has become due: a few calls per second at demo rates. */
const TICK_MS = 250;

/** Errors after which retrying cannot help: the credential or the request itself is wrong. */
const FATAL_CODES = new Set([3, 7, 16]); // INVALID_ARGUMENT, PERMISSION_DENIED, UNAUTHENTICATED

/**
 * Sends generated traffic at a steady rate. A failed batch is resent as it was (same event ids), so
 * an outage costs nothing but DUPLICATEs for what got through; a long outage does not cause a flood
 * afterwards, because the backlog is capped at a few seconds of traffic.
 */
export class TrafficSender {
  readonly stats: SenderStats = { sent: 0, accepted: 0, duplicate: 0, filtered: 0, rejected: 0, rejectedByReason: {}, failedCalls: 0 };
  private running = false;
  private loop: Promise<void> | null = null;

  constructor(
    private readonly generator: TrafficGenerator,
    private readonly send: (events: AdEvent[]) => Promise<IngestEventsResponse>,
    private readonly opts: TrafficSenderOptions,
    private readonly logger: Logger,
  ) {}

  /** Resolves when the sender stops: by stop(), or by an error retrying cannot fix (then it rejects). */
  start(): Promise<void> {
    this.running = true;
    this.loop = this.run();
    return this.loop;
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop?.catch(() => undefined);
    this.logger.info({ ...this.stats }, "simulator stopped");
  }

  private async run(): Promise<void> {
    const started = Date.now();
    let generated = 0;
    let pending: AdEvent[] = [];
    let lastSummary = { at: started, sent: 0 };
    while (this.running) {
      const due = Math.floor(((Date.now() - started) / 1000) * this.opts.rate);
      generated = Math.max(generated, due - this.opts.rate * 5);
      if (pending.length === 0 && generated < due) {
        const n = Math.min(this.opts.batchSize, due - generated);
        pending = this.generator.next(n, new Date());
        generated += n;
      }
      if (pending.length > 0) pending = await this.deliver(pending);
      if (Date.now() - lastSummary.at >= this.opts.summaryEveryMs) lastSummary = this.summarise(lastSummary);
      if (pending.length > 0 || generated >= due) await sleep(pending.length > 0 ? 1000 : TICK_MS);
    }
  }

  /**
   * Sends a batch; returns what must be sent again: all of it when the call failed, or the events
   * answered IN_FLIGHT (an earlier attempt of ours, given up on by the client, still holds them).
   */
  private async deliver(events: AdEvent[]): Promise<AdEvent[]> {
    let res: IngestEventsResponse;
    try {
      res = await this.send(events);
    } catch (err) {
      this.stats.failedCalls += 1;
      const code = (err as { code?: number }).code ?? -1;
      if (FATAL_CODES.has(code)) throw err;
      this.logger.warn({ code, message: (err as Error).message }, "IngestEvents failed; resending the batch");
      return events;
    }
    const again: AdEvent[] = [];
    for (const r of res.receipts) {
      if (r.reason === "IN_FLIGHT") again.push(events[r.index]!);
      else this.record(r.status, r.reason);
    }
    return again;
  }

  private record(status: ReceiptStatus, reason: string): void {
    this.stats.sent += 1;
    if (status === ReceiptStatus.RECEIPT_STATUS_ACCEPTED) this.stats.accepted += 1;
    else if (status === ReceiptStatus.RECEIPT_STATUS_DUPLICATE) this.stats.duplicate += 1;
    else if (status === ReceiptStatus.RECEIPT_STATUS_FILTERED) this.stats.filtered += 1;
    else {
      this.stats.rejected += 1;
      this.stats.rejectedByReason[reason] = (this.stats.rejectedByReason[reason] ?? 0) + 1;
    }
  }

  private summarise(last: { at: number; sent: number }): { at: number; sent: number } {
    const now = Date.now();
    const perSecond = Math.round(((this.stats.sent - last.sent) * 1000) / (now - last.at));
    this.logger.info({ ...this.stats, perSecond }, "simulator summary");
    return { at: now, sent: this.stats.sent };
  }
}
