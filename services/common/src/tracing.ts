/**
 * OpenTelemetry tracing of one process. Off by default: then every part holds TRACING_OFF, whose
 * tracer is the API's no-op tracer, and the hot paths skip tracing work behind `enabled` (the RPC
 * kit, the Kafka publisher) or isRecording() (the aggregator's links), so an untraced call pays a
 * branch. On when config.tracing.otlpEndpoint is set: a tracer provider of its own (service.name
 * per process, so ingestion and the aggregator can share a test process and still be told apart),
 * a batch span processor and the OTLP/HTTP exporter.
 *
 * Process-wide, registered once when the first Tracing starts: the W3C trace-context propagator
 * (traceparent/tracestate) and the AsyncLocalStorage context manager, which carries the active span
 * from an RPC handler through its awaits to outgoing gRPC calls and Kafka publishes
 * (trace-propagation.ts). Without them (tracing off) inject and extract do nothing.
 */
import { context, propagation, ProxyTracerProvider, type Tracer } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler, TracerProvider, type SpanExporter } from "@opentelemetry/sdk-trace";
import type { TracingSettings } from "./config.js";

export interface Tracing {
  readonly enabled: boolean;
  readonly tracer: Tracer;
  /** Exports every ended span now (tests; shutdown does it too). */
  flush(): Promise<void>;
  /** Exports what is buffered and stops: registered first in a ShutdownSequence, so it runs last. */
  shutdown(): Promise<void>;
}

/** The instrumentation scope every Tally span is created under. */
export const TRACER_NAME = "tally";

export const TRACING_OFF: Tracing = Object.freeze({
  enabled: false,
  // A provider with no delegate: its tracers are the API's no-op tracer, whatever else registers globally.
  tracer: new ProxyTracerProvider().getTracer(TRACER_NAME),
  flush: async () => undefined,
  shutdown: async () => undefined,
});

let globalsRegistered = false;

function registerGlobals(): void {
  if (globalsRegistered) return;
  globalsRegistered = true;
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
}

/** The OTLP/HTTP traces URL of a base endpoint, as the OTel spec derives it from OTEL_EXPORTER_OTLP_ENDPOINT. */
export function tracesUrl(endpoint: string): string {
  return `${endpoint.replace(/\/+$/, "")}/v1/traces`;
}

/**
 * The tracing of one process (or of one service in a test process). `exporter` replaces the OTLP
 * exporter (tests: InMemorySpanExporter) and turns tracing on whatever the config says.
 */
export function startTracing(serviceName: string, settings: TracingSettings, exporter?: SpanExporter): Tracing {
  if (!exporter && !settings.otlpEndpoint) return TRACING_OFF;
  registerGlobals();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ "service.name": serviceName, "service.namespace": "tally" }),
    // Parent-based: a call arriving with a sampled traceparent is recorded, one arriving unsampled is
    // not, so one trace is whole or absent across every hop; new traces by the ratio.
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(settings.sampleRatio) }),
    spanProcessors: [new BatchSpanProcessor({ exporter: exporter ?? new OTLPTraceExporter({ url: tracesUrl(settings.otlpEndpoint) }) })],
  });
  return {
    enabled: true,
    tracer: provider.getTracer(TRACER_NAME),
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}
