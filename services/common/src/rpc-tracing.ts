/**
 * The RPC kit's tracing: a SERVER span per call, child of the W3C trace context the call arrived
 * with (Envoy forwards the REST client's traceparent as gRPC metadata), active while the handler
 * runs so that outgoing gRPC calls (grpc-client.ts) and Kafka publishes carry it on. Kept apart
 * from rpc.ts so the kit changes by a few lines. Tracing off: one shared object, nothing else.
 */
import { status, type Metadata } from "@grpc/grpc-js";
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type TextMapGetter, type TextMapSetter } from "@opentelemetry/api";
import type { Logger } from "./logger.js";
import type { Tracing } from "./tracing.js";

/** Reads W3C headers from incoming gRPC metadata (string values only; binary keys end in -bin). */
export const metadataGetter: TextMapGetter<Metadata> = {
  keys: (md) => Object.keys(md.getMap()),
  get(md, key) {
    const values = md.get(key).filter((v): v is string => typeof v === "string");
    if (values.length === 0) return undefined;
    return values.length === 1 ? values[0] : values;
  },
};

export const metadataSetter: TextMapSetter<Metadata> = {
  set: (md, key, value) => md.set(key, value),
};

/** Adds the active trace context (traceparent, tracestate) to outgoing metadata; nothing when tracing is off. */
export function injectTraceContext(md: Metadata): Metadata {
  propagation.inject(context.active(), md, metadataSetter);
  return md;
}

export interface RpcSpan {
  /** Runs the handler with the call's span active. */
  run<T>(fn: () => T): T;
  /** Ends the span with the call's gRPC status. */
  end(code: status, tenantId: string | undefined): void;
}

const UNTRACED: RpcSpan = Object.freeze({ run: <T>(fn: () => T) => fn(), end: () => undefined });

/**
 * Server errors in the sense of the OTel gRPC conventions: these mark the span ERROR; a caller's
 * mistake (INVALID_ARGUMENT, NOT_FOUND, PERMISSION_DENIED…) is the server working as it should.
 */
const SERVER_ERRORS = new Set<status>([status.UNKNOWN, status.DEADLINE_EXCEEDED, status.UNIMPLEMENTED, status.INTERNAL, status.UNAVAILABLE, status.DATA_LOSS]);

/**
 * The span of one call, named by its full method (`tally.ingestion.v1.IngestionService/IngestEvents`).
 * The call's logger gains the trace id, so log lines and traces find each other.
 */
export function startRpcSpan(tracing: Tracing, method: string, metadata: Metadata, requestId: string, logger: Logger): RpcSpan {
  if (!tracing.enabled) return UNTRACED;
  const parent = propagation.extract(ROOT_CONTEXT, metadata, metadataGetter);
  const slash = method.lastIndexOf("/");
  const span = tracing.tracer.startSpan(
    method,
    {
      kind: SpanKind.SERVER,
      attributes: { "rpc.system": "grpc", "rpc.service": method.slice(0, slash), "rpc.method": method.slice(slash + 1), "tally.request_id": requestId },
    },
    parent,
  );
  logger.setBindings({ traceId: span.spanContext().traceId });
  const active = trace.setSpan(parent, span);
  return {
    run: (fn) => context.with(active, fn),
    end(code, tenantId) {
      span.setAttribute("rpc.grpc.status_code", code);
      if (tenantId) span.setAttribute("tally.tenant_id", tenantId);
      if (SERVER_ERRORS.has(code)) span.setStatus({ code: SpanStatusCode.ERROR, message: status[code] });
      span.end();
    },
  };
}
