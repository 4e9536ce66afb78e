import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { context, trace, TraceFlags } from "@opentelemetry/api";
import { InMemorySpanExporter } from "@opentelemetry/sdk-trace";
import { originAsHeaders, originHeaders, originSpanContext, readOrigin } from "./message-origin.js";
import { startTracing } from "./tracing.js";

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN_ID = "00f067aa0ba902b7";
const TRACEPARENT = `00-${TRACE_ID}-${SPAN_ID}-01`;

describe("message origin (Kafka headers)", () => {
  it("without tracing set up: the request id only, and no span context", () => {
    // Before startTracing in this file: the global propagator is the API's no-op one.
    assert.deepEqual(originHeaders("req-1"), { "x-request-id": "req-1" });
    assert.deepEqual(originHeaders(undefined), {});
    assert.equal(originSpanContext({ traceparent: TRACEPARENT }), undefined);
  });

  it("writes the request id and the given span's traceparent, and reads both back from consumed headers", () => {
    startTracing("ingestion", { otlpEndpoint: "", sampleRatio: 1 }, new InMemorySpanExporter());
    const producer = trace.wrapSpanContext({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: TraceFlags.SAMPLED });
    const headers = originHeaders("req-1", trace.setSpan(context.active(), producer));
    assert.deepEqual(headers, { "x-request-id": "req-1", traceparent: TRACEPARENT });

    // kafkajs hands headers back as Buffers.
    const consumed = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Buffer.from(v)]));
    const origin = readOrigin(consumed);
    assert.deepEqual(origin, { requestId: "req-1", traceparent: TRACEPARENT });
    assert.deepEqual(originSpanContext(origin), { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: TraceFlags.SAMPLED, isRemote: true });
    assert.deepEqual(originAsHeaders(origin), headers, "carried on unchanged (dead letters)");
  });

  it("keeps tracestate with its traceparent, and ignores what a foreign producer could abuse", () => {
    assert.deepEqual(readOrigin({ traceparent: Buffer.from(TRACEPARENT), tracestate: [Buffer.from("v=1"), Buffer.from("w=2")] }), {
      traceparent: TRACEPARENT,
      tracestate: "v=1",
    });
    assert.equal(readOrigin(undefined), undefined);
    assert.equal(readOrigin({}), undefined);
    assert.equal(readOrigin({ "x-request-id": Buffer.from("has spaces; and more") }), undefined);
    assert.equal(readOrigin({ "x-request-id": "r".repeat(101) }), undefined);
    assert.equal(readOrigin({ traceparent: "0".repeat(513) }), undefined);
    assert.equal(originSpanContext({ traceparent: "00-garbage-01" }), undefined);
  });
});
