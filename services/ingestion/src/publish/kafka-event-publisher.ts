import type { Kafka, Producer } from "kafkajs";
import { createProducer } from "#common/kafka.js";
import type { Logger } from "#common/logger.js";
import type { EventRecord } from "../domain/ad-event.js";
import type { EventPublisher } from "../domain/ingest-events.js";
import type { ReportPublisher, ReportRecord } from "../domain/platform-report.js";
import { requestsOf, toKafkaMessages } from "./ad-event-messages.js";
import { toReportMessages } from "./report-messages.js";

/**
 * Publishes to `ad-events` with an idempotent producer (acks=all, one request in flight per
 * broker): send() resolves only when every replica has the records, and broker-side retries never
 * duplicate or reorder them. publish() resolves only after the last of its requests did: that is
 * what makes a receipt ACCEPTED.
 */
export class KafkaEventPublisher implements EventPublisher, ReportPublisher {
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

  /**
   * One message per campaign (chunked): kafkajs's cost is per message, so a 1000-event call costs
   * about a dozen. Typically one request; more only for calls of more than ~768 KiB, sent one after
   * the other, and a failure stops there (the caller answers UNAVAILABLE for the whole call).
   */
  async publish(records: EventRecord[]): Promise<void> {
    for (const messages of requestsOf(toKafkaMessages(records))) await this.producer.send({ topic: this.topic, acks: -1, messages });
  }

  /** Report snapshots: one message per row, same guarantees (resolves once every replica has them). */
  async publishReports(records: ReportRecord[]): Promise<void> {
    for (const messages of requestsOf(toReportMessages(records))) await this.producer.send({ topic: this.topic, acks: -1, messages });
  }

  /** kafkajs buffers nothing: once in-flight send() calls have resolved, disconnecting loses nothing. */
  async disconnect(): Promise<void> {
    await this.producer.disconnect();
  }
}
