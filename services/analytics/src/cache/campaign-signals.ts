/**
 * After the aggregator commits: bump each changed campaign's generation (every cached insights
 * answer for it becomes unreachable at once) and publish a small message for live streams.
 */
import type { Logger } from "../../../common/src/logger.js";
import type { Redis } from "../../../common/src/redis.js";
import type { CampaignRef } from "../domain/ad-events.js";
import { generationKey, liveChannel } from "./redis-keys.js";

export interface CampaignSignals {
  changed(campaigns: CampaignRef[]): Promise<void>;
}

export class RedisCampaignSignals implements CampaignSignals {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly logger: Logger,
  ) {}

  async changed(campaigns: CampaignRef[]): Promise<void> {
    if (campaigns.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const c of campaigns) {
      pipeline.incr(generationKey(c));
      pipeline.publish(liveChannel(this.keyPrefix, c), JSON.stringify({ tenantId: c.tenantId, campaignId: c.campaignId }));
    }
    const results = (await pipeline.exec()) ?? [];
    const failed = results.find(([err]) => err);
    // The data is committed either way; a lost bump leaves cached answers stale for at most their TTL.
    if (failed) this.logger.error({ err: failed[0], campaigns: campaigns.length }, "could not bump campaign generations");
  }
}
