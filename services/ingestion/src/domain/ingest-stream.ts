import type { IncomingEvent } from "./ad-event.js";
import type { IngestEvents } from "./ingest-events.js";
import { countReceipts, emptyCounts, type Receipt, type ReceiptCounts } from "./receipt.js";

/** Problem receipts a stream summary carries at most; counts stay exact beyond it. */
export const MAX_STREAM_PROBLEMS = 1000;

export interface StreamSummary {
  counts: ReceiptCounts;
  /** Receipts that are not ACCEPTED, first MAX_STREAM_PROBLEMS of them, indexed across the stream. */
  problems: Receipt[];
}

/**
 * Ingests a stream chunk by chunk with the same use case as IngestEvents, one chunk at a time so
 * that a fast client is slowed to what Kafka acknowledges. Empty chunks are skipped. A failing chunk
 * fails the stream; the chunks before it are durably in, so the client's retry sees DUPLICATEs.
 */
export async function ingestStream(
  ingest: IngestEvents,
  input: { tenantId: string; requestId?: string; chunks: AsyncIterable<IncomingEvent[]> },
): Promise<StreamSummary> {
  const counts = emptyCounts();
  const problems: Receipt[] = [];
  let offset = 0;
  for await (const events of input.chunks) {
    if (events.length === 0) continue;
    const { receipts } = await ingest({ tenantId: input.tenantId, requestId: input.requestId, events, indexOffset: offset });
    offset += events.length;
    countReceipts(receipts, counts);
    for (const r of receipts) {
      if (r.status !== "ACCEPTED" && problems.length < MAX_STREAM_PROBLEMS) problems.push(r);
    }
  }
  return { counts, problems };
}
