import { randomUUID } from "node:crypto";
import { unavailable } from "#common/errors.js";
import type { Logger } from "#common/logger.js";
import type { Redis } from "#common/redis.js";
import type { ClaimOutcome, DedupClaim, EventDedup } from "../domain/ingest-events.js";

const ACCEPTED = "accepted";
/** Pending values carry a per-claim token so that a release never frees another request's claim. */
const PENDING_PREFIX = "pending:";

/**
 * Claims every absent key for ARGV[1] (PX ARGV[2]) and returns what each key held before ("" when
 * absent). SET … NX GET needs Redis ≥ 7.0.
 */
const CLAIM_SCRIPT = `
local previous = {}
for i, key in ipairs(KEYS) do
  previous[i] = redis.call('SET', key, ARGV[1], 'PX', ARGV[2], 'NX', 'GET') or ''
end
return previous`;

/** Marks every key accepted for ARGV[1] ms, whoever holds it now: its events are in Kafka. */
const CONFIRM_SCRIPT = `
for _, key in ipairs(KEYS) do
  redis.call('SET', key, '${ACCEPTED}', 'PX', ARGV[1])
end
return #KEYS`;

/** Deletes the keys that still hold this claim's token; keys someone else owns now are left alone. */
const RELEASE_SCRIPT = `
local freed = 0
for _, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[1] then
    redis.call('DEL', key)
    freed = freed + 1
  end
end
return freed`;

export interface RedisEventDedupOptions {
  /** How long a claim holds while its events are published; longer than the worst Kafka send. */
  pendingTtlMs: number;
  /** How long an accepted event_id is remembered: the late-data window. */
  acceptedTtlMs: number;
}

/**
 * Receipt-level idempotency in Redis, one key per (tenant, event_id): absent, pending (being
 * published) or accepted. Each step is one script over all the batch's keys: one round trip and one
 * command whatever the batch size. Redis answers the receipts; the aggregator's Postgres dedup is
 * what keeps counts exact.
 */
export class RedisEventDedup implements EventDedup {
  private readonly log: Logger;

  constructor(
    private readonly redis: Redis,
    private readonly opts: RedisEventDedupOptions,
    logger: Logger,
  ) {
    this.log = logger.child({ component: "redis-event-dedup" });
  }

  async claim(tenantId: string, eventIds: string[]): Promise<DedupClaim> {
    const token = `${PENDING_PREFIX}${randomUUID()}`;
    const keys = eventIds.map((id) => `dedup:${tenantId}:${id}`);
    let previous: unknown;
    try {
      previous = await this.redis.eval(CLAIM_SCRIPT, keys.length, ...keys, token, this.opts.pendingTtlMs);
    } catch (err) {
      // The script may have run before the connection failed: free whatever it claimed.
      await this.release(keys, token);
      throw unavailable("dedup store (Redis)", err);
    }
    if (!Array.isArray(previous) || previous.length !== keys.length) {
      await this.release(keys, token);
      throw unavailable("dedup store (Redis)", new Error("unexpected reply to the claim script"));
    }
    const outcomes = previous.map((p): ClaimOutcome => (p === "" ? "CLAIMED" : p === ACCEPTED ? "ACCEPTED_BEFORE" : "IN_FLIGHT"));
    const claimed = keys.filter((_, i) => outcomes[i] === "CLAIMED");
    return { outcomes, confirm: () => this.confirm(claimed), release: () => this.release(claimed, token) };
  }

  /** Never throws: the events are already durable in Kafka, whatever Redis says. */
  private async confirm(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    try {
      await this.redis.eval(CONFIRM_SCRIPT, keys.length, ...keys, this.opts.acceptedTtlMs);
    } catch (err) {
      this.log.warn({ err, keys: keys.length }, "could not mark events accepted; until their claims expire a resend is answered IN_FLIGHT");
    }
  }

  /** Never throws: unreleased claims expire after pendingTtlMs on their own. */
  private async release(keys: string[], token: string): Promise<void> {
    if (keys.length === 0) return;
    try {
      await this.redis.eval(RELEASE_SCRIPT, keys.length, ...keys, token);
    } catch (err) {
      this.log.warn({ err, keys: keys.length }, "could not release claims; they expire on their own");
    }
  }
}
