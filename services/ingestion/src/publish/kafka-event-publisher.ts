import type { Kafka, Message, Producer } from "kafkajs";
import { AdEventEnvelope, EventType, type AdEventRecord } from "../../../../gen/tally/events/v1/events.js";
import { createProducer } from "../../../common/src/kafka.js";
import type { Logger } from "../../../common/src/logger.js";
import type { EventKind, EventRecord } from "../domain/ad-event.js";
import type { EventPublisher } from "../domain/ingest-events.js";

const EVENT_TYPES: Record<EventKind, EventType> = {
  IMPRESSION: EventType.EVENT_TYPE_IMPRESSION,
  CLICK: EventType.EVENT_TYPE_CLICK,
  CONVERSION: EventType.EVENT_TYPE_CONVERSION,
};

/** The Kafka message for one record: keyed by campaign so one campaign's events stay on one partition. */
export function toKafkaMessage(r: EventRecord): Message {
  const record: AdEventRecord = {
    tenantId: r.tenantId,
    eventId: r.eventId,
    campaignId: r.campaignId,
    type: EVENT_TYPES[r.type],
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
  };
  const value = AdEventEnvelope.encode({ payload: { $case: "event", value: record } }).finish();
  return { key: r.campaignId, value: Buffer.from(value.buffer, value.byteOffset, value.byteLength) };
}

/**
 * Publishes to `ad-events` with an idempotent producer (acks=all, one request in flight per
 * broker): send() resolves only when every replica has the records, and broker-side retries never
 * duplicate or reorder them. That resolution is what makes a receipt ACCEPTED.
 */
export class KafkaEventPublisher implements EventPublisher {
  private readonly producer: Producer;
  private readonly log: Logger;

  constructor(
    kafka: Kafka,
    private readonly topic: string,
    logger: Logger,
  ) {
    this.log = logger.child({ component: "kafka-event-publisher" });
    // Idempotent, one request in flight, murmur2 partitioning, bounded retries (services/common).
    this.producer = createProducer(kafka);
  }

  async connect(): Promise<void> {
    await this.producer.connect();
    this.log.info({ topic: this.topic }, "event publisher connected");
  }

  async publish(records: EventRecord[]): Promise<void> {
    await this.producer.send({ topic: this.topic, acks: -1, messages: records.map(toKafkaMessage) });
  }

  /** kafkajs buffers nothing: once in-flight send() calls have resolved, disconnecting loses nothing. */
  async disconnect(): Promise<void> {
    await this.producer.disconnect();
  }
}
