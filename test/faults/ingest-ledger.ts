/**
 * Steady ingest over gRPC with a ledger of every acknowledged event id, as a careful client would
 * keep it: a batch whose call failed (or whose events came back IN_FLIGHT) is sent again, with the
 * same event ids, until every event has a receipt. ACCEPTED is an acknowledgement; so is DUPLICATE
 * for an id this client sent before (an earlier attempt was accepted, its answer was lost).
 */
import { Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { EventType } from "#gen/tally/events/v1/events.js";
import { AdEvent, ReceiptStatus, type IngestEventsResponse, type IngestionServiceClient } from "#gen/tally/ingestion/v1/ingestion.js";

const CALL_DEADLINE_MS = 5_000;
const RETRY_AFTER_MS = 500;
/** In-flight calls at most: a hung server must not pile up thousands of them. */
const MAX_IN_FLIGHT = 16;
const USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36";

export interface LedgerCounts {
  sent: number;
  accepted: number;
  /** DUPLICATE receipts for ids this client had sent before: accepted by an attempt whose answer was lost. */
  duplicateOnRetry: number;
  /** Failed calls by gRPC code name, and receipts other than ACCEPTED/DUPLICATE by status/reason. */
  failures: Record<string, number>;
  /** Events still without a receipt. */
  unsettled: number;
}

export class IngestLedger {
  readonly acknowledged = new Set<string>();
  private readonly pending = new Map<string, AdEvent>();
  private readonly retryQueue: AdEvent[][] = [];
  private readonly failures: Record<string, number> = {};
  private accepted = 0;
  private duplicateOnRetry = 0;
  private sent = 0;
  private seq = 0;
  private inFlight = 0;
  private readonly calls = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  /** Stretches without an answered call, from the fault on. */
  readonly gaps = new GapMeter();

  constructor(
    private readonly client: IngestionServiceClient,
    private readonly token: string,
    private readonly campaignId: string,
    private readonly idPrefix: string,
  ) {}

  /** Sends `perTick` new events every `tickMs` (e.g. 25 per 100 ms = 250 events/s) until stopGenerating(). */
  startGenerating(perTick: number, tickMs: number): void {
    this.timer = setInterval(() => {
      if (this.inFlight >= MAX_IN_FLIGHT) {
        this.failures.CLIENT_BACKLOG = (this.failures.CLIENT_BACKLOG ?? 0) + 1;
        return;
      }
      const occurTime = new Date(Date.now() - 1000);
      const events = Array.from({ length: perTick }, () =>
        AdEvent.fromPartial({
          eventId: `${this.idPrefix}-${++this.seq}`,
          campaignId: this.campaignId,
          type: EventType.EVENT_TYPE_IMPRESSION,
          platform: "direct",
          region: "DE",
          occurTime,
          userAgent: USER_AGENT,
          ip: "192.0.2.10",
        }),
      );
      for (const e of events) this.pending.set(e.eventId, e);
      this.sent += events.length;
      this.send(events);
    }, tickMs);
    this.retryTimer = setInterval(() => {
      while (this.retryQueue.length > 0 && this.inFlight < MAX_IN_FLIGHT) this.send(this.retryQueue.shift()!);
    }, RETRY_AFTER_MS);
  }

  stopGenerating(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.gaps.end();
  }

  /** Retries until every sent event has a receipt or the deadline passes; then stops retrying. */
  async settle(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ((this.pending.size > 0 || this.calls.size > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    if (this.retryTimer) clearInterval(this.retryTimer);
    this.retryTimer = null;
    await Promise.all(this.calls);
  }

  counts(): LedgerCounts {
    return {
      sent: this.sent,
      accepted: this.accepted,
      duplicateOnRetry: this.duplicateOnRetry,
      failures: { ...this.failures },
      unsettled: this.pending.size,
    };
  }

  private send(events: AdEvent[]): void {
    this.inFlight++;
    const call = this.ingest(events)
      .then((res) => this.onAnswer(events, res))
      .catch((err: ServiceError) => {
        const code = status[err.code] ?? `CODE_${err.code}`;
        this.failures[code] = (this.failures[code] ?? 0) + 1;
        this.retryQueue.push(events);
      })
      .finally(() => {
        this.inFlight--;
        this.calls.delete(call);
      });
    this.calls.add(call);
  }

  private onAnswer(events: AdEvent[], res: IngestEventsResponse): void {
    this.gaps.success();
    const again: AdEvent[] = [];
    res.receipts.forEach((r, i) => {
      const e = events[i]!;
      if (r.status === ReceiptStatus.RECEIPT_STATUS_ACCEPTED || r.status === ReceiptStatus.RECEIPT_STATUS_DUPLICATE) {
        if (!this.acknowledged.has(e.eventId)) {
          this.acknowledged.add(e.eventId);
          if (r.status === ReceiptStatus.RECEIPT_STATUS_ACCEPTED) this.accepted++;
          else this.duplicateOnRetry++;
        }
        this.pending.delete(e.eventId);
        return;
      }
      const key = `${ReceiptStatus[r.status]}/${r.reason}`;
      this.failures[key] = (this.failures[key] ?? 0) + 1;
      if (r.reason === "IN_FLIGHT") again.push(e);
      else this.pending.delete(e.eventId); // refused for good: never acknowledged
    });
    if (again.length > 0) this.retryQueue.push(again);
  }

  private ingest(events: AdEvent[]): Promise<IngestEventsResponse> {
    const md = new Metadata();
    md.set("authorization", `Bearer ${this.token}`);
    return new Promise((resolve, reject) =>
      this.client.ingestEvents({ events }, md, { deadline: new Date(Date.now() + CALL_DEADLINE_MS) }, (err, res) => (err ? reject(err) : resolve(res))),
    );
  }
}

/**
 * The longest stretch without a success between start() (the fault) and end(): how long the
 * fault kept a client from being served. 0 when successes kept coming at their usual pace.
 */
export class GapMeter {
  private from: number | null = null;
  private until: number | null = null;
  private last = 0;
  private longest = 0;

  start(): void {
    this.from = Date.now();
    this.until = null;
    this.longest = 0;
  }

  success(): void {
    const now = Date.now();
    if (this.from !== null && this.until === null) this.longest = Math.max(this.longest, now - Math.max(this.last, this.from));
    this.last = now;
  }

  end(): void {
    if (this.from === null || this.until !== null) return;
    this.until = Date.now();
    this.longest = Math.max(this.longest, this.until - Math.max(this.last, this.from));
  }

  longestMs(): number {
    return this.longest;
  }
}
