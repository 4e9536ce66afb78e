/**
 * The request loop every connector shares: send, read the body, let the connector classify the
 * answer, then retry with backoff (throttling, 5xx, network), refresh the token once on an auth
 * failure, or fail with a PlatformError. Credentials never enter an error message.
 */
import { setTimeout as delay } from "node:timers/promises";
import { PlatformError, type PlatformCredentials, type PlatformErrorReason, type PlatformSlug } from "../platform-connector.js";
import { backoffDelayMs, DEFAULT_RETRY_POLICY, parseRetryAfter, type RetryPolicy } from "./retry-policy.js";

/** What a connector needs from the outside world; tests replace the clock and the dice. */
export interface ConnectorRuntime {
  fetch: typeof fetch;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  random(): number;
  now(): number;
  policy: RetryPolicy;
}

export function createRuntime(overrides: Partial<ConnectorRuntime> = {}): ConnectorRuntime {
  return {
    fetch: (input, init) => fetch(input, init),
    sleep: async (ms, signal) => void (await delay(ms, undefined, { signal })),
    random: Math.random,
    now: Date.now,
    policy: DEFAULT_RETRY_POLICY,
    ...overrides,
  };
}

export interface PlatformResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON, or the raw text when the body is not JSON. */
  body: unknown;
}

/** A connector's reading of one answer. */
export type Verdict =
  | { kind: "ok"; /** Wait this long before the next call (Meta's usage headers near the limit). */ pauseMs?: number }
  | { kind: "retry"; retryAfterMs?: number; message: string }
  | { kind: "auth"; message: string }
  | { kind: "fail"; reason: PlatformErrorReason; message: string };

/** The answer-independent part of a verdict: 429 and 5xx retry, 401 is auth, other 4xx refused. */
export function httpVerdict(response: PlatformResponse, nowMs: number, message: string): Verdict {
  const { status } = response;
  if (status >= 200 && status < 300) return { kind: "ok" };
  if (status === 429) return { kind: "retry", retryAfterMs: parseRetryAfter(response.headers.get("retry-after"), nowMs), message };
  if (status >= 500) return { kind: "retry", retryAfterMs: parseRetryAfter(response.headers.get("retry-after"), nowMs), message };
  if (status === 401) return { kind: "auth", message };
  return { kind: "fail", reason: "REQUEST_REFUSED", message };
}

/**
 * The credentials of one fetch, refreshed at most once: a second auth failure after a refresh means
 * the refresh did not help, and retrying again would only hammer the token endpoint.
 */
export class TokenSession {
  private refreshed = false;

  constructor(
    private current: PlatformCredentials,
    private readonly refresher: ((credentials: PlatformCredentials) => Promise<PlatformCredentials>) | null,
    private readonly onRefreshed?: (credentials: PlatformCredentials) => Promise<void>,
  ) {}

  get credentials(): PlatformCredentials {
    return this.current;
  }

  /** True when the token was refreshed now (retry the call); false when it cannot be (fail). */
  async refreshOnce(): Promise<boolean> {
    if (this.refreshed || !this.refresher) return false;
    this.refreshed = true;
    this.current = await this.refresher(this.current);
    await this.onRefreshed?.(this.current);
    return true;
  }
}

export interface CallOptions {
  platform: PlatformSlug;
  runtime: ConnectorRuntime;
  /** A label for errors and logs: method and path, never the query (it may hold a token). */
  label: string;
  send(signal?: AbortSignal): Promise<Response>;
  classify(response: PlatformResponse): Verdict;
  session?: TokenSession;
  signal?: AbortSignal;
}

/** Sends until the verdict is ok, retrying and refreshing as the verdicts say; throws PlatformError otherwise. */
export async function callPlatform(options: CallOptions): Promise<PlatformResponse> {
  const { platform, runtime, label, signal } = options;
  let failures = 0;
  for (;;) {
    signal?.throwIfAborted();
    let verdict: Verdict;
    let response: PlatformResponse | null = null;
    try {
      response = await readResponse(await options.send(signal));
      verdict = options.classify(response);
    } catch (error) {
      if (signal?.aborted || error instanceof PlatformError) throw error;
      verdict = { kind: "retry", message: `network error: ${(error as Error).message}` };
    }
    if (verdict.kind === "ok") {
      if (verdict.pauseMs && verdict.pauseMs > 0) await runtime.sleep(verdict.pauseMs, signal);
      return response!;
    }
    if (verdict.kind === "auth") {
      if (options.session && (await options.session.refreshOnce())) continue;
      throw new PlatformError(platform, "AUTH_REQUIRED", `${label}: ${verdict.message}`);
    }
    if (verdict.kind === "fail") throw new PlatformError(platform, verdict.reason, `${label}: ${verdict.message}`);
    failures += 1;
    const hint = verdict.retryAfterMs;
    if (hint !== undefined && hint > runtime.policy.maxHintedWaitMs) {
      throw new PlatformError(platform, "RATE_LIMITED", `${label}: ${verdict.message} (retry after ${hint} ms)`, hint);
    }
    if (failures >= runtime.policy.maxAttempts) {
      const reason = response?.status === 429 || hint !== undefined ? "RATE_LIMITED" : "UNAVAILABLE";
      throw new PlatformError(platform, reason, `${label}: ${verdict.message} (gave up after ${failures} attempts)`, hint);
    }
    await runtime.sleep(backoffDelayMs(runtime.policy, failures, hint, runtime.random), signal);
  }
}

async function readResponse(response: Response): Promise<PlatformResponse> {
  const text = await response.text();
  let body: unknown = text;
  if (text !== "") {
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: classify() sees the text (an HTML error page from a proxy, say)
    }
  }
  return { status: response.status, headers: response.headers, body };
}

/** An object field of an unknown JSON value, or undefined. */
export function field(value: unknown, name: string): unknown {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>)[name] : undefined;
}

/** The JSON array at `value`, or a BAD_RESPONSE error naming where. */
export function arrayAt(platform: PlatformSlug, value: unknown, where: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new PlatformError(platform, "BAD_RESPONSE", `${where} is not an array`);
  return value;
}

/** A required string field, or a BAD_RESPONSE error naming it. */
export function requiredString(platform: PlatformSlug, value: unknown, where: string): string {
  if (typeof value === "string" && value !== "") return value;
  if (typeof value === "number" && Number.isSafeInteger(value)) return String(value);
  throw new PlatformError(platform, "BAD_RESPONSE", `${where} is missing`);
}

/** Runs a row parser and turns its RangeError into BAD_RESPONSE. */
export function parseOrBadResponse<T>(platform: PlatformSlug, where: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof RangeError) throw new PlatformError(platform, "BAD_RESPONSE", `${where}: ${error.message}`);
    throw error;
  }
}
