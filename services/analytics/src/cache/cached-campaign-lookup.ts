/**
 * Campaign facts cached in-process for a few seconds: insights calls for one campaign come in
 * bursts, and currency and time zone hardly ever change. Only found campaigns are cached, so a
 * campaign created a moment ago is found at once.
 */
import type { CampaignFacts, CampaignLookup } from "../domain/insights.js";

export class CachedCampaignLookup implements CampaignLookup {
  private readonly entries = new Map<string, { value: CampaignFacts; expires: number }>();
  private readonly inflight = new Map<string, Promise<CampaignFacts | null>>();

  constructor(
    private readonly inner: CampaignLookup,
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  async get(tenantId: string, campaignId: string, requestId?: string): Promise<CampaignFacts | null> {
    const key = `${tenantId}\u0000${campaignId}`;
    const hit = this.entries.get(key);
    if (hit && hit.expires > this.now()) return hit.value;
    // Concurrent misses for the same campaign share one call.
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = this.inner.get(tenantId, campaignId, requestId).finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    const value = await pending;
    if (value) this.remember(key, value);
    return value;
  }

  private remember(key: string, value: CampaignFacts): void {
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { value, expires: this.now() + this.ttlMs });
  }
}
