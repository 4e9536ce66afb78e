/**
 * A record the store refused, as a dead letter: the message it came from, or, for one event of a
 * batch message, that event alone as a single-event envelope (as decode.ts does for an invalid
 * record of a batch), so the dead-letter topic looks the same whichever check caught it.
 */
import { AdEventEnvelope } from "#gen/tally/events/v1/events.js";
import { describeFailure } from "./failure-classifier.js";
import type { StoreRecord } from "./flush-records.js";
import { messageKey, type DeadLetter, type RawMessage } from "./flush-buffer.js";
import type { Refused } from "./refused-bisect.js";

/** The one record of a batch envelope with this tenant and event id, encoded alone, and its index. */
function recordOfBatch(value: Buffer, tenantId: string, eventId: string): { value: Buffer; index: number } | null {
  const payload = AdEventEnvelope.decode(value).payload;
  if (payload?.$case !== "batch") return null;
  const index = payload.value.events.findIndex((r) => r.tenantId === tenantId && r.eventId === eventId);
  if (index < 0) return null;
  return { value: Buffer.from(AdEventEnvelope.encode({ payload: { $case: "event", value: payload.value.events[index]! } }).finish()), index };
}

export function refusedLetter({ item: record, error }: Refused<StoreRecord>, messages: Map<string, RawMessage>): DeadLetter {
  const { partition, offset } = record.item;
  const message = messages.get(messageKey(partition, offset));
  const reason = `the store refused it: ${describeFailure(error)}`;
  const letter: DeadLetter = {
    partition,
    offset,
    reason: "STORE_REFUSED",
    detail: reason,
    key: message?.key ?? null,
    value: message?.value ?? null,
    origin: message?.origin,
  };
  if (record.kind !== "event" || !message?.value) return letter;
  const alone = recordOfBatch(message.value, record.item.event.tenantId, record.item.event.eventId);
  return alone ? { ...letter, value: alone.value, detail: `batch events[${alone.index}]: ${reason}` } : letter;
}
