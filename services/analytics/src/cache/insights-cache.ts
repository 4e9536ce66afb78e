/**
 * Insights answers cached in Redis under tenant, campaign, the campaign's data generation and a
 * hash of the normalised request. The aggregator replaces the generation token after each commit
 * that changes the campaign, so a cached answer is never staler than the data; the TTL only bounds
 * memory. Tokens are never reused (see redis-keys.ts): when Redis comes back empty, the first
 * reader starts a new token, and no answer cached before — here or in Redis — matches it.
 * Redis trouble never fails a query: it is logged and the answer is computed.
 */
import { createHash } from "node:crypto";
import type { Counter } from "prom-client";
import type { Metrics } from "#common/metrics.js";
import type { Logger } from "#common/logger.js";
import type { Redis } from "#common/redis.js";
import type { InsightsCache } from "../domain/insights.js";
import type { InsightsRequest } from "../domain/insights-input.js";
import type { InsightsReport } from "../domain/insights-report.js";
import { decodeReport, encodeReport } from "./insights-codec.js";
import { generationKey, insightsKey, newGeneration } from "./redis-keys.js";

/** Lookups by result: hit (this process or Redis), miss, error (Redis unreachable: computed uncached). */
export function createInsightsCacheMetrics(metrics: Metrics): Counter<string> {
  return metrics.counter("tally_insights_cache_lookups_total", "Insights cache lookups by result: hit, miss, error.", ["result"]);
}

/** How many decoded reports the process keeps in front of Redis. */
const RECENT_REPORTS = 256;

export class RedisInsightsCache implements InsightsCache {
  // Decoded answers by cache key. The key embeds the campaign's generation token, read from Redis
  // on every call, so an entry here is served only while that token is current; it saves the
  // Redis GET of the answer and its decode (~11% of a cached call).
  // Entries also expire after the Redis TTL: if a token replacement is ever lost (the aggregator
  // killed while Redis was down), a stale answer outlives it here no longer than in Redis.
  private readonly recent = new Map<string, { report: InsightsReport; expires: number }>();

  constructor(
    private readonly redis: Redis,
    private readonly ttlSeconds: number,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
    private readonly lookups?: Counter<string>,
  ) {}

  async keyFor(tenantId: string, request: InsightsRequest): Promise<string | null> {
    if (this.ttlSeconds <= 0) return null;
    const campaign = { tenantId, campaignId: request.campaignId };
    try {
      // One round trip on the hot path; the second one only when the token is missing.
      const generation = (await this.redis.get(generationKey(campaign))) ?? (await this.startGeneration(campaign));
      const hash = createHash("sha256").update(JSON.stringify(request)).digest("base64url").slice(0, 32);
      return insightsKey(campaign, generation, hash);
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, "insights cache unavailable; computing uncached");
      this.lookups?.inc({ result: "error" });
      return null;
    }
  }

  /**
   * No token yet: the campaign never changed since Redis started empty (or lost the key). A fresh
   * token, unless someone set one meanwhile (SET NX GET answers theirs). A new token, rather than
   * a fixed "0", is what keeps answers cached before an emptied Redis from matching again.
   */
  private async startGeneration(campaign: { tenantId: string; campaignId: string }): Promise<string> {
    const fresh = newGeneration();
    return (await this.redis.set(generationKey(campaign), fresh, "NX", "GET")) ?? fresh;
  }

  async get(key: string): Promise<InsightsReport | null> {
    const recent = this.recent.get(key);
    if (recent && recent.expires > this.now()) {
      this.lookups?.inc({ result: "hit" });
      return recent.report;
    }
    try {
      const text = await this.redis.get(key);
      if (!text) {
        this.lookups?.inc({ result: "miss" });
        return null;
      }
      const report = decodeReport(text);
      this.remember(key, report);
      this.lookups?.inc({ result: "hit" });
      return report;
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, "insights cache read failed");
      this.lookups?.inc({ result: "error" });
      return null;
    }
  }

  async put(key: string, report: InsightsReport): Promise<void> {
    this.remember(key, report);
    try {
      await this.redis.set(key, encodeReport(report), "EX", this.ttlSeconds);
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, "insights cache write failed");
    }
  }

  private remember(key: string, report: InsightsReport): void {
    this.recent.delete(key);
    if (this.recent.size >= RECENT_REPORTS) this.recent.delete(this.recent.keys().next().value!);
    this.recent.set(key, { report, expires: this.now() + this.ttlSeconds * 1000 });
  }
}
