/**
 * EventRecords → Kafka messages on `ad-events`: one AdEventEnvelope{batch} per campaign, keyed by
 * campaign_id so that one campaign's events stay on one partition, in order.
 *
 * Why batches: kafkajs spends its time per message (record encoding, the murmur2 partitioner in
 * emulated 64-bit JS, grouping per partition), not per byte; a 1000-event call over 12 campaigns is
 * 12 messages instead of 1000.
 */
import type { Message } from "kafkajs";
import { AdEventEnvelope, type AdEventRecord } from "#gen/tally/events/v1/events.js";
import { eventTypeNumber } from "#common/contract/event-type.js";
import { MAX_REQUEST_BYTES, splitIntoRequests } from "#common/kafka.js";
import type { EventRecord } from "../domain/ad-event.js";

export { MAX_REQUEST_BYTES };

export interface BatchLimits {
  /** Most events in one message. */
  maxEvents: number;
  /** Most encoded bytes of one message value (unless a single event is larger on its own). */
  maxBytes: number;
}

/**
 * Far below Kafka's default 1 MiB max.message.bytes: an event is at most ~26 KB (20 attributes of
 * 64 + 256 characters), ~150 bytes typically, so a typical full chunk is ~75 KB.
 */
export const DEFAULT_BATCH_LIMITS: Readonly<BatchLimits> = Object.freeze({ maxEvents: 500, maxBytes: 512 * 1024 });

export function toAdEventRecord(r: EventRecord): AdEventRecord {
  return {
    tenantId: r.tenantId,
    eventId: r.eventId,
    campaignId: r.campaignId,
    type: eventTypeNumber(r.type),
    platform: r.platform,
    region: r.region,
    occurTime: r.occurTime,
    receiveTime: r.receiveTime,
    valueMicros: r.valueMicros.toString(),
    costMicros: r.costMicros.toString(),
    currencyCode: r.currencyCode,
    filtered: r.filtered,
    filterReason: r.filterReason,
    attributes: r.attributes,
    conversionAction: r.conversionAction,
  };
}

/** Records per campaign, campaigns in order of first appearance, records in their given order. */
function byCampaign(records: EventRecord[]): Map<string, AdEventRecord[]> {
  const groups = new Map<string, AdEventRecord[]>();
  for (const r of records) {
    const group = groups.get(r.campaignId);
    if (group) group.push(toAdEventRecord(r));
    else groups.set(r.campaignId, [toAdEventRecord(r)]);
  }
  return groups;
}

const encodeBatch = (events: AdEventRecord[]) => AdEventEnvelope.encode({ payload: { $case: "batch", value: { events } } }).finish();

/**
 * Encodes a chunk, halving it until each part fits maxBytes. Oversized chunks need large
 * attributes on most of their events, so the re-encoding is rare; the common chunk is encoded once.
 */
function encodeWithin(events: AdEventRecord[], maxBytes: number, out: Uint8Array[]): void {
  const bytes = encodeBatch(events);
  if (bytes.byteLength <= maxBytes || events.length === 1) {
    out.push(bytes);
    return;
  }
  const half = Math.ceil(events.length / 2);
  encodeWithin(events.slice(0, half), maxBytes, out);
  encodeWithin(events.slice(half), maxBytes, out);
}

/** The messages for one publish: per campaign, chunks of at most maxEvents events and maxBytes bytes. */
export function toKafkaMessages(records: EventRecord[], limits: BatchLimits = DEFAULT_BATCH_LIMITS): Message[] {
  const messages: Message[] = [];
  for (const [campaignId, events] of byCampaign(records)) {
    const values: Uint8Array[] = [];
    for (let i = 0; i < events.length; i += limits.maxEvents) encodeWithin(events.slice(i, i + limits.maxEvents), limits.maxBytes, values);
    for (const v of values) messages.push({ key: campaignId, value: Buffer.from(v.buffer, v.byteOffset, v.byteLength) });
  }
  return messages;
}

/** The messages of one publish, split into produce requests within Kafka's limit. */
export function requestsOf(messages: Message[], maxBytes = MAX_REQUEST_BYTES): Message[][] {
  return splitIntoRequests(messages, (m) => (m.value ? Buffer.byteLength(m.value) : 0), maxBytes);
}
