import type { Result } from "ioredis";
import type { Principal } from "../auth.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";
import type { Redis } from "../redis.js";
import { credentialOf, type Budget, type RateDecision, type RateLimiter, type RateLimits } from "./rate-limit.js";

/**
 * One atomic step of a token bucket. KEYS[1]: the bucket (hash: tokens, ms). KEYS[2]: the tenant's
 * overrides (hash: <budget>_per_second, <budget>_burst), read here so that a per-tenant limit costs
 * no extra round trip. ARGV: budget, default per second, default burst, cost. Time is Redis's own
 * (TIME), so replicas with skewed clocks share one bucket correctly. A cost above the burst is
 * charged as the burst: a full bucket always admits the largest batch the API accepts.
 * Returns {allowed 0/1, limit, remaining, reset ms, retry-after ms}.
 */
const TOKEN_BUCKET = `
local o = redis.call('HMGET', KEYS[2], ARGV[1] .. '_per_second', ARGV[1] .. '_burst')
local rate = tonumber(o[1]) or tonumber(ARGV[2])
local burst = tonumber(o[2]) or tonumber(ARGV[3])
local cost = math.min(tonumber(ARGV[4]), burst)
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local s = redis.call('HMGET', KEYS[1], 'tokens', 'ms')
local tokens = tonumber(s[1])
local last = tonumber(s[2])
if tokens == nil or last == nil then tokens = burst; last = now end
if rate > 0 then tokens = math.min(burst, tokens + math.max(0, now - last) * rate / 1000) end
local allowed = 0
local retry = 0
if tokens >= cost then
  tokens = tokens - cost
  allowed = 1
elseif rate > 0 then
  retry = math.ceil((cost - tokens) * 1000 / rate)
else
  retry = 3600000
end
local reset = 0
if rate > 0 then reset = math.ceil((burst - tokens) * 1000 / rate) end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ms', now)
redis.call('PEXPIRE', KEYS[1], reset + 1000)
return {allowed, burst, math.floor(tokens), reset, retry}`;

declare module "ioredis" {
  interface RedisCommander<Context> {
    tallyTokenBucket(bucket: string, overrides: string, budget: string, perSecond: number, burst: number, cost: number): Result<number[], Context>;
  }
}

export interface RedisRateLimiterOptions {
  limits: RateLimits;
  /** Past this, the request goes on unlimited (fail open): a slow Redis must not slow every call. */
  timeoutMs: number;
}

/** Key of a tenant's overrides, under the client's prefix; `{tenant}` keeps a tenant's keys in one cluster slot. */
export const tenantLimitsKey = (tenantId: string) => `ratelimit:{${tenantId}}:limits`;

/**
 * Token buckets in Redis, one EVALSHA per admitted call (ioredis defineCommand: EVALSHA, and EVAL
 * once after a script flush). When Redis is not connected, errs or is slower than timeoutMs the
 * call is let through and counted in tally_rate_limit_fail_open_total: losing the rate limiter
 * must not take the API down with it.
 */
export class RedisRateLimiter implements RateLimiter {
  private readonly log: Logger;
  private readonly failOpen;
  private readonly refused;
  private healthy = true;

  constructor(
    private readonly redis: Redis,
    private readonly opts: RedisRateLimiterOptions,
    logger: Logger,
    metrics: Metrics,
  ) {
    this.log = logger.child({ component: "rate-limiter" });
    this.failOpen = metrics.counter(
      "tally_rate_limit_fail_open_total",
      "Calls let through unlimited because Redis could not answer the rate limiter, by why.",
      ["cause"],
    );
    this.refused = metrics.counter("tally_rate_limited_total", "Calls refused RESOURCE_EXHAUSTED by the rate limiter, by budget.", ["budget"]);
    if (!redis.tallyTokenBucket) redis.defineCommand("tallyTokenBucket", { numberOfKeys: 2, lua: TOKEN_BUCKET });
  }

  async take(principal: Principal, budget: Budget, cost: number): Promise<RateDecision | null> {
    const credential = credentialOf(principal);
    if (!credential) return null;
    // Not connected: answer at once instead of queueing behind a reconnect.
    if (this.redis.status !== "ready") return this.openUp("unavailable");
    const limit = this.opts.limits[budget];
    const bucket = `ratelimit:{${principal.tenantId}}:${budget}:${credential}`;
    let timer: NodeJS.Timeout | undefined;
    try {
      const answer = await Promise.race([
        this.redis.tallyTokenBucket(bucket, tenantLimitsKey(principal.tenantId), budget, limit.perSecond, limit.burst, cost),
        new Promise<"timeout">((resolve) => (timer = setTimeout(resolve, this.opts.timeoutMs, "timeout"))),
      ]);
      if (answer === "timeout") return this.openUp("timeout");
      const [allowed, max, remaining, resetMs, retryAfterMs] = answer.map(Number) as [number, number, number, number, number];
      if (!this.healthy) this.log.info("rate limiting works again");
      this.healthy = true;
      if (!allowed) this.refused.inc({ budget });
      return { allowed: allowed === 1, limit: max, remaining, resetMs, retryAfterMs };
    } catch (err) {
      return this.openUp("error", err);
    } finally {
      clearTimeout(timer);
    }
  }

  private openUp(cause: "unavailable" | "timeout" | "error", err?: unknown): null {
    this.failOpen.inc({ cause });
    // Once per outage, not once per call: the metric counts every call.
    if (this.healthy) this.log.warn({ cause, err }, "rate limiter cannot reach Redis; calls go through unlimited until it answers");
    this.healthy = false;
    return null;
  }
}

/** The process's limiter from the common config; undefined when TALLY_RATE_LIMIT_ENABLED=false. */
export function createRateLimiter(
  config: { rateLimits: RateLimits | null; rateLimitTimeoutMs: number },
  redis: Redis,
  logger: Logger,
  metrics: Metrics,
): RateLimiter | undefined {
  return config.rateLimits ? new RedisRateLimiter(redis, { limits: config.rateLimits, timeoutMs: config.rateLimitTimeoutMs }, logger, metrics) : undefined;
}
