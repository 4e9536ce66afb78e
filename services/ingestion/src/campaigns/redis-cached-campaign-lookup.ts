import type { CampaignInfo } from "#common/clients/campaign-service-client.js";
import type { Logger } from "#common/logger.js";
import type { Redis } from "#common/redis.js";
import type { CampaignLookup } from "../domain/ingest-events.js";

/** Where campaigns really come from (GrpcCampaignServiceClient in production). */
export interface CampaignSource {
  get(tenantId: string, campaignId: string, requestId?: string): Promise<CampaignInfo | null>;
}

export interface CampaignCacheOptions {
  /** How long a found campaign is trusted without an invalidation. */
  positiveTtlMs: number;
  /** How long "not found" is trusted: short, so that a just-created campaign works at once. */
  negativeTtlMs: number;
  /**
   * Whether cached entries can be trusted now: false while the invalidator has not yet applied
   * every campaign event (after a start or a rebalance), when a deletion may not have reached the
   * cache. Meanwhile every lookup asks the source. Default: always trusted.
   */
  trusted?: () => boolean;
  /**
   * How long an invalidated campaign is not cached again: longer than any lookup can take, so a
   * lookup that read the campaign before it changed cannot write that answer back afterwards.
   */
  invalidationHoldMs: number;
}

const NOT_FOUND = "-";
/** Left by invalidate(): read as "not cached", and it keeps writes (SET NX) out while it lives. */
const INVALIDATED = "~";

/**
 * Caches campaign lookups in Redis, shared by every ingestion process; CampaignCacheInvalidator
 * deletes entries as campaign events arrive. Redis trouble degrades to asking the source directly:
 * the cache is an optimisation, never a reason to refuse events.
 *
 * Concurrent misses for one campaign share one source call (a cold cache after a restart under
 * load would otherwise send the campaign service one call per request).
 *
 * A lookup in flight while an invalidation lands cannot write its older answer back: invalidating
 * leaves a short-lived marker, and writes only fill an empty slot (SET NX).
 */
export class RedisCachedCampaignLookup implements CampaignLookup {
  private readonly log: Logger;
  private readonly inflight = new Map<string, Promise<CampaignInfo | null>>();

  constructor(
    private readonly redis: Redis,
    private readonly source: CampaignSource,
    private readonly opts: CampaignCacheOptions,
    logger: Logger,
  ) {
    this.log = logger.child({ component: "campaign-cache" });
  }

  async get(tenantId: string, campaignId: string, requestId?: string): Promise<CampaignInfo | null> {
    const key = this.key(tenantId, campaignId);
    if (this.opts.trusted?.() ?? true) {
      const cached = await this.read(key);
      if (cached !== undefined) return cached;
    }
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = this.fetch(key, tenantId, campaignId, requestId).finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    return pending;
  }

  /** From the source, written to the cache: fresh answers are worth keeping even while untrusted. */
  private async fetch(key: string, tenantId: string, campaignId: string, requestId?: string): Promise<CampaignInfo | null> {
    const fresh = await this.source.get(tenantId, campaignId, requestId);
    await this.write(key, fresh);
    return fresh;
  }

  async invalidate(tenantId: string, campaignId: string): Promise<void> {
    await this.redis.set(this.key(tenantId, campaignId), INVALIDATED, "PX", this.opts.invalidationHoldMs);
  }

  private key(tenantId: string, campaignId: string): string {
    return `campaign:${tenantId}:${campaignId}`;
  }

  /** undefined: not cached (or unreadable); null: cached as not found. */
  private async read(key: string): Promise<CampaignInfo | null | undefined> {
    try {
      const raw = await this.redis.get(key);
      if (raw === null || raw === INVALIDATED) return undefined;
      return raw === NOT_FOUND ? null : (JSON.parse(raw) as CampaignInfo);
    } catch (err) {
      this.log.warn({ err }, "campaign cache read failed; asking the campaign service");
      return undefined;
    }
  }

  private async write(key: string, value: CampaignInfo | null): Promise<void> {
    const ttlMs = value ? this.opts.positiveTtlMs : this.opts.negativeTtlMs;
    if (ttlMs <= 0) return; // a TTL of 0 turns that kind of caching off
    try {
      await this.redis.set(key, value ? JSON.stringify(value) : NOT_FOUND, "PX", ttlMs, "NX");
    } catch (err) {
      this.log.warn({ err }, "campaign cache write failed");
    }
  }
}
