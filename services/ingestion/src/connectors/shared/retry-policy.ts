/**
 * When to try a platform call again, and after how long. Pure: the clock and the dice are passed in,
 * so the table tests are deterministic. The loop that applies it is in platform-http.ts.
 */

export interface RetryPolicy {
  /** Calls per request in all, the first included. */
  maxAttempts: number;
  /** First backoff without a platform hint; doubles per failure. */
  baseDelayMs: number;
  /** Ceiling of one computed backoff. */
  maxDelayMs: number;
  /**
   * The longest one wait may be when the platform names it (Retry-After, retryDelay, Meta's
   * estimated_time_to_regain_access). Longer than this, the fetch fails RATE_LIMITED with the
   * platform's delay, so the scheduler backs the connection off instead of holding a job open.
   */
  maxHintedWaitMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({ maxAttempts: 6, baseDelayMs: 500, maxDelayMs: 30_000, maxHintedWaitMs: 120_000 });

/**
 * The wait before the next attempt after `failures` failed ones (1 after the first failure).
 * Without a hint: exponential with equal jitter, half fixed and half random, so concurrent syncs
 * spread out but never retry at once. With a platform hint: at least the hint (never earlier than
 * the platform asked), plus up to 10 % (at most 1 s) of jitter.
 */
export function backoffDelayMs(policy: RetryPolicy, failures: number, hintMs: number | undefined, random: () => number): number {
  if (hintMs !== undefined && hintMs > 0) return Math.ceil(hintMs + random() * Math.min(hintMs * 0.1, 1_000));
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, failures - 1));
  return Math.ceil(ceiling / 2 + random() * (ceiling / 2));
}

/**
 * Retry-After (RFC 9110 §10.2.3): delay-seconds or an HTTP-date. Milliseconds from `nowMs`, or
 * undefined when absent or unreadable (then the computed backoff applies).
 */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** Google's protobuf Duration in JSON ("30s", "1.5s") in milliseconds; undefined when unreadable. */
export function parseDurationMs(value: unknown): number | undefined {
  if (typeof value !== "string") return undefined;
  const match = /^(\d+)(?:\.(\d{1,9}))?s$/.exec(value.trim());
  if (!match) return undefined;
  return Number(match[1]) * 1000 + Math.round(Number(`0.${match[2] ?? "0"}`) * 1000);
}
