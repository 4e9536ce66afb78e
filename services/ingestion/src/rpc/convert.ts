import {
  ReceiptStatus as ReceiptStatusProto,
  type AdEvent,
  type Receipt as ReceiptProto,
  type ReceiptCounts as ReceiptCountsProto,
} from "#gen/tally/ingestion/v1/ingestion.js";
import { eventKindOf } from "#common/contract/event-type.js";
import type { IncomingEvent } from "../domain/ad-event.js";
import type { Receipt, ReceiptCounts, ReceiptStatus } from "../domain/receipt.js";

const STATUSES: Record<ReceiptStatus, ReceiptStatusProto> = {
  ACCEPTED: ReceiptStatusProto.RECEIPT_STATUS_ACCEPTED,
  DUPLICATE: ReceiptStatusProto.RECEIPT_STATUS_DUPLICATE,
  FILTERED: ReceiptStatusProto.RECEIPT_STATUS_FILTERED,
  REJECTED: ReceiptStatusProto.RECEIPT_STATUS_REJECTED,
};

/** int64 arrives as a decimal string; an unparsable one cannot pass the ≥ 0 checks. */
function micros(value: string): bigint {
  try {
    return BigInt(value || "0");
  } catch {
    return -1n;
  }
}

/** inputProblem: the first violation the input boundary found in this event (kit.input.itemProblems). */
export function eventFromProto(e: AdEvent, inputProblem: { field: string; description: string } | null = null): IncomingEvent {
  return {
    inputProblem,
    eventId: e.eventId,
    campaignId: e.campaignId,
    type: eventKindOf(e.type),
    platform: e.platform,
    region: e.region,
    occurTime: e.occurTime ?? null,
    valueMicros: micros(e.valueMicros),
    costMicros: micros(e.costMicros),
    currencyCode: e.currencyCode,
    userAgent: e.userAgent,
    ip: e.ip,
    attributes: e.attributes ?? {},
  };
}

export function receiptToProto(r: Receipt): ReceiptProto {
  return { index: r.index, eventId: r.eventId, status: STATUSES[r.status], reason: r.reason, field: r.field, message: r.message };
}

export function countsToProto(c: ReceiptCounts): ReceiptCountsProto {
  return { accepted: String(c.accepted), duplicate: String(c.duplicate), filtered: String(c.filtered), rejected: String(c.rejected) };
}
