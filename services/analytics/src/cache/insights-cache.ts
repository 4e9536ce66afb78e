/**
 * Insights answers cached in Redis under tenant, campaign, the campaign's data generation and a
 * hash of the normalised request. The aggregator bumps the generation after each commit that
 * changes the campaign, so a cached answer is never staler than the data; the TTL only bounds
 * memory. Redis trouble never fails a query: it is logged and the answer is computed.
 */
import { createHash } from "node:crypto";
import type { Logger } from "../../../common/src/logger.js";
import type { Redis } from "../../../common/src/redis.js";
import type { InsightsCache } from "../domain/insights.js";
import type { InsightsRequest } from "../domain/insights-input.js";
import type { InsightsReport } from "../domain/insights-report.js";
import { decodeReport, encodeReport } from "./insights-codec.js";
import { generationKey, insightsKey } from "./redis-keys.js";

export class RedisInsightsCache implements InsightsCache {
  constructor(
    private readonly redis: Redis,
    private readonly ttlSeconds: number,
    private readonly logger: Logger,
  ) {}

  async keyFor(tenantId: string, request: InsightsRequest): Promise<string | null> {
    if (this.ttlSeconds <= 0) return null;
    const campaign = { tenantId, campaignId: request.campaignId };
    try {
      const generation = (await this.redis.get(generationKey(campaign))) ?? "0";
      const hash = createHash("sha256").update(JSON.stringify(request)).digest("base64url").slice(0, 32);
      return insightsKey(campaign, generation, hash);
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, "insights cache unavailable; computing uncached");
      return null;
    }
  }

  async get(key: string): Promise<InsightsReport | null> {
    try {
      const text = await this.redis.get(key);
      return text ? decodeReport(text) : null;
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, "insights cache read failed");
      return null;
    }
  }

  async put(key: string, report: InsightsReport): Promise<void> {
    try {
      await this.redis.set(key, encodeReport(report), "EX", this.ttlSeconds);
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, "insights cache write failed");
    }
  }
}
