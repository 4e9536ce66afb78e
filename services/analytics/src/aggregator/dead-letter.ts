/**
 * The dead-letter topic: a message the aggregator cannot apply is copied there unchanged (key and
 * value), with headers naming why and where it came from, before its offset is stored. The
 * producing call's x-request-id and traceparent/tracestate (message-origin.ts) are carried on, so a
 * dead letter leads back to the call that sent it.
 */
import type { Producer } from "kafkajs";
import { splitIntoRequests } from "#common/kafka.js";
import { originAsHeaders } from "#common/message-origin.js";
import type { DeadLetter } from "./flush-buffer.js";

export const DLQ_HEADERS = {
  reason: "tally-dlq-reason",
  detail: "tally-dlq-detail",
  topic: "tally-dlq-source-topic",
  partition: "tally-dlq-source-partition",
  offset: "tally-dlq-source-offset",
} as const;

export interface DeadLetterSink {
  /** Resolves once the broker acknowledged every letter (acks=all). */
  send(letters: DeadLetter[]): Promise<void>;
}

/**
 * The DLQ has one partition, so two dead-lettered 512 KiB batch messages must not share a produce
 * request, or the flush would fail on every retry and stop the aggregator.
 */
export function requestsOf(letters: DeadLetter[]): DeadLetter[][] {
  return splitIntoRequests(letters, (l) => l.value?.byteLength ?? 0);
}

export class KafkaDeadLetterSink implements DeadLetterSink {
  constructor(
    private readonly producer: Producer,
    private readonly sourceTopic: string,
    private readonly deadLetterTopic: string,
  ) {}

  async send(letters: DeadLetter[]): Promise<void> {
    for (const request of requestsOf(letters)) await this.sendRequest(request);
  }

  private async sendRequest(letters: DeadLetter[]): Promise<void> {
    await this.producer.send({
      topic: this.deadLetterTopic,
      acks: -1,
      messages: letters.map((l) => ({
        key: l.key,
        value: l.value,
        headers: {
          ...originAsHeaders(l.origin),
          [DLQ_HEADERS.reason]: l.reason,
          [DLQ_HEADERS.detail]: l.detail.slice(0, 500),
          [DLQ_HEADERS.topic]: this.sourceTopic,
          [DLQ_HEADERS.partition]: String(l.partition),
          [DLQ_HEADERS.offset]: l.offset.toString(),
        },
      })),
    });
  }
}
