/**
 * The origin of a Kafka message: the request id and the W3C trace context of the call that
 * published it, carried in the message headers (`x-request-id`, `traceparent`, `tracestate`) so
 * that a consumer can log the request id with anything it says about the message and link its
 * spans to the producing one. Headers are written by the producer (ingestion's publisher) and
 * carried on to the dead-letter topic by the aggregator.
 */
import { context, propagation, ROOT_CONTEXT, trace, type Context, type SpanContext } from "@opentelemetry/api";
import type { IHeaders } from "kafkajs";
import { REQUEST_ID_HEADER } from "./rpc.js";

export const TRACEPARENT_HEADER = "traceparent";
export const TRACESTATE_HEADER = "tracestate";

export interface MessageOrigin {
  requestId?: string;
  traceparent?: string;
  tracestate?: string;
}

/** What the RPC kit accepts as a request id; anything else from a foreign producer is ignored. */
const REQUEST_ID = /^[\w.-]{1,100}$/;
/** Bounds what a foreign producer can make the aggregator copy and parse. */
const MAX_TRACE_HEADER = 512;

/**
 * The headers of the messages one call publishes: its request id and the trace context of `ctx`
 * (by default the active one; nothing of it when tracing is off).
 */
export function originHeaders(requestId: string | undefined, ctx: Context = context.active()): Record<string, string> {
  const headers: Record<string, string> = {};
  if (requestId) headers[REQUEST_ID_HEADER] = requestId;
  propagation.inject(ctx, headers);
  return headers;
}

function text(value: IHeaders[string], max: number): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  if (first === undefined || first.length > max) return undefined;
  return first.toString();
}

/** The origin read back from a consumed message's headers; undefined when it carries none. */
export function readOrigin(headers: IHeaders | undefined): MessageOrigin | undefined {
  if (!headers) return undefined;
  const origin: MessageOrigin = {};
  const requestId = text(headers[REQUEST_ID_HEADER], 100);
  if (requestId && REQUEST_ID.test(requestId)) origin.requestId = requestId;
  const traceparent = text(headers[TRACEPARENT_HEADER], MAX_TRACE_HEADER);
  if (traceparent) {
    origin.traceparent = traceparent;
    const tracestate = text(headers[TRACESTATE_HEADER], MAX_TRACE_HEADER);
    if (tracestate) origin.tracestate = tracestate;
  }
  return origin.requestId || origin.traceparent ? origin : undefined;
}

/** The origin as headers again, for a copy of the message (a dead letter). */
export function originAsHeaders(origin: MessageOrigin | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  if (origin?.requestId) headers[REQUEST_ID_HEADER] = origin.requestId;
  if (origin?.traceparent) headers[TRACEPARENT_HEADER] = origin.traceparent;
  if (origin?.tracestate) headers[TRACESTATE_HEADER] = origin.tracestate;
  return headers;
}

/** The producing span, for a link or a parent; undefined without a valid traceparent or with tracing off. */
export function originSpanContext(origin: MessageOrigin | undefined): SpanContext | undefined {
  if (!origin?.traceparent) return undefined;
  return trace.getSpanContext(propagation.extract(ROOT_CONTEXT, originAsHeaders(origin)));
}
