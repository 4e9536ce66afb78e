/** The token bucket against the real Redis: budgets, credentials, tenant overrides, fail open. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Principal } from "#common/auth.js";
import { createMetrics } from "#common/metrics.js";
import { RedisRateLimiter, tenantLimitsKey } from "#common/rate-limit/redis-rate-limiter.js";
import { createRedis, type Redis } from "#common/redis.js";
import { closedPort } from "../../../test/support/envoy.js";
import { deleteRedisKeys, stack, testLogger, uniqueName } from "../../../test/support/stack.js";

const prefix = `${uniqueName("rltest")}:`;
const limits = { ingest: { perSecond: 1000, burst: 2000 }, read: { perSecond: 1, burst: 3 } };
let redis: Redis;
let limiter: RedisRateLimiter;

const user = (tenantId: string, subject = "u1"): Principal => ({ kind: "user", tenantId, subject, role: "EDITOR", scopes: null });
const key = (tenantId: string, subject = "k1"): Principal => ({ kind: "api_key", tenantId, subject, role: null, scopes: ["read", "ingest"] });

before(async () => {
  redis = createRedis(stack.redisUrl, testLogger(), prefix);
  await redis.ping();
  limiter = new RedisRateLimiter(redis, { limits, timeoutMs: 200 }, testLogger(), createMetrics("rate-limit-test"));
});
after(async () => {
  await redis.quit();
  // Only this file's keys: KEYS/SCAN patterns are not prefixed by ioredis, so "*" would be everyone's.
  await deleteRedisKeys(prefix);
});

describe("RedisRateLimiter", () => {
  it("admits the burst, then refuses with the wait until one token is back", async () => {
    const tenant = uniqueName("t");
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await limiter.take(user(tenant), "read", 1));
    assert.deepEqual(
      answers.map((a) => [a!.allowed, a!.limit, a!.remaining]),
      [
        [true, 3, 2],
        [true, 3, 1],
        [true, 3, 0],
        [false, 3, 0],
      ],
    );
    const refused = answers[3]!;
    assert.ok(refused.retryAfterMs > 900 && refused.retryAfterMs <= 1000, `retry after ${refused.retryAfterMs} ms`);
    assert.ok(refused.resetMs > 2900 && refused.resetMs <= 3000, `full again in ${refused.resetMs} ms`);
  });

  it("keeps credentials and budgets apart: another user, a key, and the ingest budget are untouched", async () => {
    const tenant = uniqueName("t");
    for (let i = 0; i < 3; i++) await limiter.take(user(tenant), "read", 1);
    assert.equal((await limiter.take(user(tenant), "read", 1))!.allowed, false);
    assert.deepEqual(await limiter.take(user(tenant, "u2"), "read", 1), { allowed: true, limit: 3, remaining: 2, resetMs: 1000, retryAfterMs: 0 });
    assert.equal((await limiter.take(key(tenant), "read", 1))!.remaining, 2);
    assert.equal((await limiter.take(user(tenant), "ingest", 1000))!.remaining, 1000);
  });

  it("counts ingest by events: two full batches spend the burst, a third waits for 1000 tokens", async () => {
    const tenant = uniqueName("t");
    assert.equal((await limiter.take(key(tenant), "ingest", 1000))!.allowed, true);
    assert.equal((await limiter.take(key(tenant), "ingest", 1000))!.allowed, true);
    const third = (await limiter.take(key(tenant), "ingest", 1000))!;
    assert.equal(third.allowed, false);
    assert.ok(third.retryAfterMs > 950 && third.retryAfterMs <= 1000, `retry after ${third.retryAfterMs} ms`);
  });

  it("a tenant's Redis hash overrides the defaults for that tenant only", async () => {
    const tenant = uniqueName("t");
    await redis.hset(tenantLimitsKey(tenant), { read_per_second: "50", read_burst: "10" });
    assert.deepEqual([(await limiter.take(user(tenant), "read", 1))!.limit, (await limiter.take(user(uniqueName("t")), "read", 1))!.limit], [10, 3]);
  });

  it("service credentials are never limited", async () => {
    const service: Principal = { kind: "service", tenantId: "t", subject: "ingestion", role: "OWNER", scopes: null };
    assert.equal(await limiter.take(service, "read", 1), null);
  });

  it("fails open, counted, when Redis cannot answer", async () => {
    const metrics = createMetrics("rate-limit-down");
    const down = createRedis(`redis://127.0.0.1:${await closedPort()}`, testLogger(), prefix);
    try {
      const open = new RedisRateLimiter(down, { limits, timeoutMs: 50 }, testLogger(), metrics);
      const started = Date.now();
      assert.equal(await open.take(user("t"), "read", 1), null);
      assert.ok(Date.now() - started < 50, "answered at once, not after a reconnect");
      const text = await metrics.registry.getSingleMetricAsString("tally_rate_limit_fail_open_total");
      assert.match(text, /tally_rate_limit_fail_open_total\{cause="unavailable",service="rate-limit-down"\} 1/);
    } finally {
      down.disconnect();
    }
  });
});
