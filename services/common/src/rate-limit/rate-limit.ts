/**
 * Rate limits per credential (DESIGN §3): a token bucket per (credential, budget), shared by every
 * replica of every service. Two budgets:
 * - `ingest` counts **events** (IngestEvents, StreamEvents, IngestPlatformReport rows): the cost a
 *   batch puts on Kafka and the aggregator is its size, so one 1000-event batch costs 1000 tokens
 *   and batching is neither punished nor a way around the limit.
 * - `read` counts **calls**: every other authenticated call (reads, and campaign and key
 *   management), one token each.
 * Service credentials (Tally's own calls) are not limited. Users are limited per user, API keys per
 * key, so one credential's burst never slows another credential of the same tenant.
 */
import type { Policy, Principal } from "../auth.js";

export type Budget = "ingest" | "read";

export interface BucketLimit {
  /** Tokens added per second. */
  perSecond: number;
  /** Bucket size: the largest burst, and what a full bucket holds. */
  burst: number;
}

export type RateLimits = Readonly<Record<Budget, BucketLimit>>;

/** The bucket's answer, also sent as RateLimit-* headers. */
export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Until the bucket is full again. */
  resetMs: number;
  /** Until this request's cost would be admitted; 0 when allowed. */
  retryAfterMs: number;
}

export interface RateLimiter {
  /** null: not limited (a service credential, limits off, or Redis unable to answer: fail open). */
  take(principal: Principal, budget: Budget, cost: number): Promise<RateDecision | null>;
}

/** Ingest-scoped methods spend the ingest budget; every other authenticated method the read budget. */
export const budgetOf = (policy: Policy): Budget | null =>
  "public" in policy || "serviceOnly" in policy ? null : policy.scope === "ingest" ? "ingest" : "read";

/** The bucket's owner: one bucket per user or key, never per token (a new login does not refill it). */
export const credentialOf = (p: Principal): string | null => (p.kind === "user" ? `user:${p.subject}` : p.kind === "api_key" ? `key:${p.subject}` : null);

/** IETF draft RateLimit header fields (draft-ietf-httpapi-ratelimit-headers-07), in seconds. */
export function rateLimitHeaders(d: RateDecision): Record<string, string> {
  return {
    "ratelimit-limit": String(d.limit),
    "ratelimit-remaining": String(d.remaining),
    "ratelimit-reset": String(Math.ceil(d.resetMs / 1000)),
  };
}
