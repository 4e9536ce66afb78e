/**
 * The aggregator's spans. A flush aggregates the messages of many calls, so its span
 * (`flush <topic>`, CONSUMER, a trace of its own) has no parent: it LINKS to the producing spans of
 * its messages, one link per publishing call (up to MAX_LINKS). And so that each call's own trace
 * ends where its events count, each sampled publishing call gets an `apply <topic>` span in its
 * trace, child of its publish span, from when its first message was read to the COMMIT that stored
 * its events and positions; it links back to the flush. That span's length is the call's
 * ingest-to-rollup latency.
 *
 * Decoding gets no span: a batch message decodes in microseconds, a span per message would cost
 * more than the decode, and what can go wrong there is a dead letter, logged with its request id
 * and counted on the flush span. Tracing off: one no-op span per flush, nothing per message.
 */
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags, type Link, type Span } from "@opentelemetry/api";
import { originSpanContext, type MessageOrigin } from "#common/message-origin.js";
import type { Tracing } from "#common/tracing.js";
import type { FlushBatch } from "./flush-buffer.js";
import type { FlushOutcome } from "./flush.js";

/** The SDK's default link limit per span. */
export const MAX_LINKS = 128;

const messaging = (topic: string, operation: string) => ({
  "messaging.system": "kafka",
  "messaging.operation.type": "process",
  "messaging.operation.name": operation,
  "messaging.destination.name": topic,
});

/** The messages of the batch by publishing call (traceparent), first read first. */
function byCall(batch: FlushBatch): Map<string, { origin: MessageOrigin; readAt: Date | undefined; messages: { partition: number; offset: bigint }[] }> {
  const calls = new Map<string, { origin: MessageOrigin; readAt: Date | undefined; messages: { partition: number; offset: bigint }[] }>();
  for (const [key, m] of batch.messages) {
    const traceparent = m.origin?.traceparent;
    if (!traceparent) continue;
    const partition = Number(key.slice(0, key.indexOf(":")));
    let call = calls.get(traceparent);
    if (!call) calls.set(traceparent, (call = { origin: m.origin!, readAt: m.readAt, messages: [] }));
    call.messages.push({ partition, offset: m.offset });
    if (m.readAt && call.readAt && m.readAt < call.readAt) call.readAt = m.readAt;
  }
  return calls;
}

export function startFlushSpan(tracing: Tracing, topic: string, batch: FlushBatch): Span {
  const span = tracing.tracer.startSpan(`flush ${topic}`, {
    kind: SpanKind.CONSUMER,
    root: true,
    attributes: { ...messaging(topic, "flush"), "messaging.batch.message_count": batch.messages.size },
  });
  if (!span.isRecording()) return span;
  const links: Link[] = [];
  let dropped = 0;
  for (const { origin } of byCall(batch).values()) {
    const context = originSpanContext(origin);
    if (!context) continue;
    if (links.length < MAX_LINKS) links.push({ context });
    else dropped++;
  }
  span.addLinks(links);
  if (dropped > 0) span.setAttribute("tally.flush.links_dropped", dropped);
  return span;
}

export function endFlushSpan(span: Span, outcome: FlushOutcome | null, err?: unknown): void {
  if (outcome) {
    span.setAttributes({
      "tally.flush.applied": outcome.applied,
      "tally.flush.duplicates": outcome.duplicates,
      "tally.flush.replayed": outcome.replayed,
      "tally.flush.dead_lettered": outcome.deadLettered,
      "tally.flush.refused": outcome.refused,
    });
  } else {
    span.recordException(err as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error)?.message });
  }
  span.end();
}

/**
 * After COMMIT: one `apply` span per sampled publishing call whose messages this flush applied
 * (messages below the stored offsets were applied by an earlier flush and are skipped).
 */
export function recordApplied(tracing: Tracing, topic: string, batch: FlushBatch, flushSpan: Span, stored: Map<number, bigint>, committedAt: Date): void {
  if (!tracing.enabled) return;
  const flushLink: Link[] = flushSpan.isRecording() ? [{ context: flushSpan.spanContext() }] : [];
  for (const call of byCall(batch).values()) {
    const fresh = call.messages.filter((m) => m.offset >= (stored.get(m.partition) ?? 0n));
    const producer = originSpanContext(call.origin);
    if (fresh.length === 0 || !producer || !(producer.traceFlags & TraceFlags.SAMPLED)) continue;
    const span = tracing.tracer.startSpan(
      `apply ${topic}`,
      {
        kind: SpanKind.CONSUMER,
        startTime: call.readAt ?? committedAt,
        links: flushLink,
        attributes: {
          ...messaging(topic, "apply"),
          "messaging.batch.message_count": fresh.length,
          ...(call.origin.requestId ? { "tally.request_id": call.origin.requestId } : {}),
        },
      },
      trace.setSpanContext(ROOT_CONTEXT, producer),
    );
    span.end(committedAt);
  }
}
