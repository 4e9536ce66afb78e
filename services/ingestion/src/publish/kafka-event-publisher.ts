import { context, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import type { Kafka, Message, Producer } from "kafkajs";
import { createProducer } from "#common/kafka.js";
import type { Logger } from "#common/logger.js";
import { originHeaders } from "#common/message-origin.js";
import { TRACING_OFF, type Tracing } from "#common/tracing.js";
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
 *
 * Every message of one call carries the call's x-request-id and, when tracing is on, the
 * traceparent of this publish's PRODUCER span (`send <topic>`, a child of the RPC's span): the
 * aggregator links its flush to it and logs the request id with anything it says about a record.
 */
export class KafkaEventPublisher implements EventPublisher, ReportPublisher {
  private readonly producer: Producer;
  private readonly log: Logger;

  constructor(
    kafka: Kafka,
    private readonly topic: string,
    logger: Logger,
    private readonly tracing: Tracing = TRACING_OFF,
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
  async publish(records: EventRecord[], requestId?: string): Promise<void> {
    const messages = toKafkaMessages(records);
    if (!this.tracing.enabled) return this.send(messages, originHeaders(requestId));
    const span = this.tracing.tracer.startSpan(`send ${this.topic}`, {
      kind: SpanKind.PRODUCER,
      attributes: {
        "messaging.system": "kafka",
        "messaging.operation.type": "send",
        "messaging.operation.name": "send",
        "messaging.destination.name": this.topic,
        "messaging.batch.message_count": messages.length,
        "tally.event_count": records.length,
      },
    });
    try {
      await this.send(messages, originHeaders(requestId, trace.setSpan(context.active(), span)));
    } catch (err) {
      span.recordException(err as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
      throw err;
    } finally {
      span.end();
    }
  }

  private async send(messages: Message[], headers: Record<string, string>): Promise<void> {
    // One headers object for all: kafkajs only reads it.
    for (const m of messages) m.headers = headers;
    for (const request of requestsOf(messages)) await this.producer.send({ topic: this.topic, acks: -1, messages: request });
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
