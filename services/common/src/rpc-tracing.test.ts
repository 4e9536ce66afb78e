import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Metadata, status } from "@grpc/grpc-js";
import { context, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { InMemorySpanExporter } from "@opentelemetry/sdk-trace";
import { callMetadata } from "./grpc-client.js";
import { createLogger } from "./logger.js";
import { metadataGetter, startRpcSpan } from "./rpc-tracing.js";
import { startTracing, TRACING_OFF } from "./tracing.js";

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT_ID = "00f067aa0ba902b7";
const TRACEPARENT = `00-${TRACE_ID}-${PARENT_ID}-01`;
const METHOD = "tally.ingestion.v1.IngestionService/IngestEvents";

const exporter = new InMemorySpanExporter();
const tracing = startTracing("ingestion", { otlpEndpoint: "", sampleRatio: 1 }, exporter);

function incoming(headers: Record<string, string>): Metadata {
  const md = new Metadata();
  for (const [k, v] of Object.entries(headers)) md.set(k, v);
  return md;
}

async function finished() {
  await tracing.flush();
  const spans = exporter.getFinishedSpans();
  exporter.reset();
  return spans;
}

describe("rpc tracing", () => {
  it("reads string metadata for the propagator; binary values are not trace context", () => {
    const md = incoming({ traceparent: TRACEPARENT, tracestate: "a=1" });
    md.add("tracestate", "b=2");
    md.set("x-bin", Buffer.from("z"));
    assert.equal(metadataGetter.get(md, "traceparent"), TRACEPARENT);
    assert.deepEqual(metadataGetter.get(md, "tracestate"), ["a=1", "b=2"]);
    assert.equal(metadataGetter.get(md, "x-bin"), undefined);
    assert.equal(metadataGetter.get(md, "missing"), undefined);
    assert.deepEqual(metadataGetter.keys(md).sort(), ["traceparent", "tracestate", "x-bin"]);
  });

  it("opens a SERVER span per call, child of the incoming traceparent, and puts the trace id on the call's logger", async () => {
    const logger = createLogger("test", "silent").child({});
    const span = startRpcSpan(tracing, METHOD, incoming({ traceparent: TRACEPARENT, tracestate: "vendor=x" }), "req-1", logger);
    const inside = span.run(() => trace.getActiveSpan()?.spanContext());
    span.end(status.OK, "tenant-1");
    assert.equal(logger.bindings().traceId, TRACE_ID);
    const [s] = await finished();
    assert.equal(s?.name, METHOD);
    assert.equal(s?.kind, SpanKind.SERVER);
    assert.equal(s?.spanContext().traceId, TRACE_ID);
    assert.equal(s?.parentSpanContext?.spanId, PARENT_ID);
    assert.equal(s?.parentSpanContext?.isRemote, true);
    assert.equal(s?.spanContext().traceState?.get("vendor"), "x");
    assert.equal(inside?.spanId, s?.spanContext().spanId, "active while the handler runs");
    assert.deepEqual(s?.attributes, {
      "rpc.system": "grpc",
      "rpc.service": "tally.ingestion.v1.IngestionService",
      "rpc.method": "IngestEvents",
      "tally.request_id": "req-1",
      "rpc.grpc.status_code": 0,
      "tally.tenant_id": "tenant-1",
    });
    assert.equal(s?.status.code, SpanStatusCode.UNSET);
  });

  it("starts a new trace without a (valid) traceparent, and marks only server-side failures as errors", async () => {
    const logger = createLogger("test", "silent");
    for (const [headers, code] of [
      [{}, status.UNAVAILABLE],
      [{ traceparent: "00-not-a-trace-01" }, status.INVALID_ARGUMENT],
    ] as const) {
      startRpcSpan(tracing, METHOD, incoming(headers), "r", logger).end(code, undefined);
    }
    const [unavailable, invalid] = await finished();
    assert.equal(unavailable?.parentSpanContext, undefined);
    assert.equal(unavailable?.status.code, SpanStatusCode.ERROR);
    assert.equal(unavailable?.status.message, "UNAVAILABLE");
    assert.equal(invalid?.parentSpanContext, undefined);
    assert.notEqual(invalid?.spanContext().traceId, TRACE_ID);
    assert.equal(invalid?.status.code, SpanStatusCode.UNSET, "a caller's mistake is not a server error");
  });

  it("injects the active span and the request id into a service-to-service call", async () => {
    const logger = createLogger("test", "silent");
    const span = startRpcSpan(tracing, METHOD, incoming({ traceparent: TRACEPARENT }), "req-2", logger);
    const md = span.run(() => callMetadata("token", "req-2"));
    span.end(status.OK, undefined);
    const [s] = await finished();
    assert.equal(md.get("traceparent")[0], `00-${TRACE_ID}-${s!.spanContext().spanId}-01`);
    assert.equal(md.get("x-request-id")[0], "req-2");
    assert.equal(md.get("authorization")[0], "Bearer token");
    // Outside any span: the request id only.
    const plain = context.with(context.active(), () => callMetadata("token", "req-3"));
    assert.deepEqual(plain.get("traceparent"), []);
    assert.equal(plain.get("x-request-id")[0], "req-3");
  });

  it("costs one shared object when tracing is off", () => {
    const logger = createLogger("test", "silent");
    const a = startRpcSpan(TRACING_OFF, METHOD, incoming({ traceparent: TRACEPARENT }), "r", logger);
    const b = startRpcSpan(TRACING_OFF, METHOD, incoming({}), "r", logger);
    assert.equal(a, b);
    assert.equal(
      a.run(() => 7),
      7,
    );
    assert.equal(logger.bindings().traceId, undefined);
  });
});
