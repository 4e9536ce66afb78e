/**
 * What the two transports share: what a case sends (Wire), what came back (Outcome), deadlines,
 * and the invalid-UTF-8 placeholder swap. grpc-transport.ts sends raw protobuf bytes with a generic
 * grpc-js client; rest-transport.ts sends the google.api.http binding through Envoy.
 */
import { status as grpcStatus } from "@grpc/grpc-js";
import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import { BAD_UTF8, BAD_UTF8_BYTES } from "./fuzz-values.js";

export type Transport = "grpc" | "rest";

export interface Outcome {
  transport: Transport;
  /** gRPC status name; for REST the code in the JSON error body, when there is one. */
  code?: string;
  /** REST only. */
  http?: number;
  /** The answer of an OK call, as proto3 JSON. */
  body?: JsonValue;
  /** Something wrong with the answer's form whatever its status (e.g. a text/plain error). */
  formProblem?: string;
  /** Error message (first 160 characters), for the report. */
  message?: string;
}

/** What one case sends. Exactly one of json / rawGrpc / rawRest is used. */
export interface Wire {
  json?: JsonObject;
  /** gRPC bytes that no encoder would produce (undecodable). */
  rawGrpc?: Buffer;
  /** A REST request built by hand (malformed JSON, unknown query parameter, oversized body). */
  rawRest?: { pathAndQuery: string; body?: Buffer };
}

// Generous for a healthy stack (answers take milliseconds); a hung case costs at most this.
export const TIMEOUT_MS = 5_000;
export const STREAM_FIRST_MESSAGE_MS = 3_000;
export const CODE_NAMES = Object.fromEntries(
  Object.entries(grpcStatus)
    .filter(([, v]) => typeof v === "number")
    .map(([k, v]) => [v, k]),
) as Record<number, string>;

function replaceAll(buf: Buffer, from: Buffer, to: Buffer): Buffer {
  let at = buf.indexOf(from);
  if (at < 0) return buf;
  const out = Buffer.from(buf);
  while (at >= 0) {
    to.copy(out, at);
    at = out.indexOf(from, at + from.length);
  }
  return out;
}
const PLACEHOLDER = Buffer.from(BAD_UTF8);
/** Percent-encoded bytes, for URLs. */
export const pct = (b: Buffer) => [...b].map((x) => `%${x.toString(16).toUpperCase().padStart(2, "0")}`).join("");
export const PCT_BAD_UTF8 = pct(BAD_UTF8_BYTES);
export const withBadUtf8 = (buf: Buffer) => replaceAll(buf, PLACEHOLDER, BAD_UTF8_BYTES);

/**
 * Rate limits (per credential, DESIGN §3) are a correct answer to the sweep's own pace, not to its
 * input: a RESOURCE_EXHAUSTED / 429 is retried as a client would, after a pause, and only the last
 * answer is judged. The read budget refills at 100/s, so a second or two always suffices.
 */
export const isRateLimited = (o: Outcome) => o.code === "RESOURCE_EXHAUSTED" || o.http === 429;
const RATE_LIMIT_ATTEMPTS = 8;

export async function retryRateLimited(send: () => Promise<Outcome>, onRetry?: () => void): Promise<Outcome> {
  for (let attempt = 1; ; attempt++) {
    const o = await send();
    if (!isRateLimited(o) || attempt >= RATE_LIMIT_ATTEMPTS) return o;
    onRetry?.();
    await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
  }
}
