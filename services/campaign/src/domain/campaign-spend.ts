/**
 * The spend GetCampaign shows (issue 6, item 8): analytics computes it; this service only asks,
 * and never lets the answer decide GetCampaign's outcome. A failed or slow answer (the client's
 * deadline) becomes spend marked unavailable. After a failure, further calls skip analytics for a
 * short pause, so a slow analytics costs one deadline per pause, not one per GetCampaign; answers
 * are kept briefly per campaign and budget, so a page that reloads does not ask again.
 */
export type SpendPacingState = "ON_TRACK" | "APPROACHING" | "EXCEEDED";

export type CampaignSpendView =
  { available: true; spendMicros: string; budgetUtilization?: number; state: SpendPacingState | null } | { available: false; reason: "ANALYTICS_UNAVAILABLE" };

/** Analytics' GetCampaignSpend; rejects when it cannot answer. */
export interface SpendSource {
  spendOf(
    tenantId: string,
    campaign: { id: string; budgetMicros: string; timeZone: string },
    requestId?: string,
  ): Promise<{ spendMicros: string; budgetUtilization?: number; state: SpendPacingState | null }>;
}

export interface SpendReader {
  spendOf(tenantId: string, campaign: { id: string; budgetMicros: string; timeZone: string }, requestId?: string): Promise<CampaignSpendView>;
}

export interface SpendReaderOptions {
  /** How long an answer is reused (per tenant, campaign and budget). */
  cacheMs: number;
  /** How long analytics is not asked after a failure. */
  pauseAfterFailureMs: number;
  /** Most answers kept; the oldest go first. */
  maxEntries?: number;
  now?: () => number;
}

const UNAVAILABLE: CampaignSpendView = { available: false, reason: "ANALYTICS_UNAVAILABLE" };

export function createSpendReader(source: SpendSource, opts: SpendReaderOptions): SpendReader {
  const now = opts.now ?? Date.now;
  const maxEntries = opts.maxEntries ?? 10_000;
  const cache = new Map<string, { view: CampaignSpendView; expires: number }>();
  let pausedUntil = 0;
  return {
    async spendOf(tenantId, campaign, requestId) {
      const key = `${tenantId}\u0000${campaign.id}\u0000${campaign.budgetMicros}`;
      const hit = cache.get(key);
      if (hit && hit.expires > now()) return hit.view;
      if (now() < pausedUntil) return UNAVAILABLE;
      try {
        const view: CampaignSpendView = { available: true, ...(await source.spendOf(tenantId, campaign, requestId)) };
        cache.delete(key);
        if (cache.size >= maxEntries) cache.delete(cache.keys().next().value!);
        cache.set(key, { view, expires: now() + opts.cacheMs });
        return view;
      } catch {
        pausedUntil = now() + opts.pauseAfterFailureMs;
        return UNAVAILABLE;
      }
    },
  };
}
