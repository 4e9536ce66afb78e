/**
 * After the aggregator commits: give each changed campaign a new generation token (every cached
 * insights answer for it becomes unreachable at once) and publish a small message for live streams.
 * Called only after COMMIT: a reader that sees the new token reads data that includes the change.
 */
import type { Logger } from "#common/logger.js";
import type { Redis } from "#common/redis.js";
import type { CampaignRef } from "../domain/ad-events.js";
import { generationKey, liveChannel, newGeneration } from "../cache/redis-keys.js";

export interface CampaignSignals {
  changed(campaigns: CampaignRef[]): Promise<void>;
}

/** How often token replacements that failed (Redis down) are tried again. */
const RETRY_MS = 1000;

export class RedisCampaignSignals implements CampaignSignals {
  // Campaigns whose new token did not reach Redis. Their data is committed, so until a new token
  // lands, cached answers for them are stale: retried with the next call and on a timer, so an
  // outage ends with every changed campaign invalidated (at worst, the cache TTL bounds it).
  private readonly pending = new Map<string, CampaignRef>();
  private retry: NodeJS.Timeout | null = null;

  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly logger: Logger,
  ) {}

  async changed(campaigns: CampaignRef[]): Promise<void> {
    for (const c of campaigns) this.pending.set(`${c.tenantId}\u0000${c.campaignId}`, c);
    const batch = [...this.pending];
    this.pending.clear();
    if (batch.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const [, c] of batch) {
      pipeline.set(generationKey(c), newGeneration());
      pipeline.publish(liveChannel(this.keyPrefix, c), JSON.stringify({ tenantId: c.tenantId, campaignId: c.campaignId }));
    }
    let error: unknown = null;
    const results = await pipeline.exec().catch((err: unknown) => void (error = err));
    // Only the SET matters for correctness; a lost publish only delays a live stream's next tick.
    const failed = batch.filter((_, i) => error || !results || results[2 * i]?.[0]);
    if (failed.length === 0) return;
    for (const [key, c] of failed) if (!this.pending.has(key)) this.pending.set(key, c);
    this.logger.error({ err: error ?? results?.find(([err]) => err)?.[0], campaigns: failed.length }, "could not renew campaign generations; retrying");
    this.retry ??= setTimeout(() => {
      this.retry = null;
      void this.changed([]);
    }, RETRY_MS).unref();
  }
}
