/**
 * Redis names shared by the insights API (reader) and the aggregator (writer). Keys get the
 * environment prefix from the client's keyPrefix; pub/sub channels do not (ioredis prefixes keys
 * only), so channel names take the prefix explicitly.
 */
import type { CampaignRef } from "../domain/ad-events.js";

/** Bumped by the aggregator after every commit that changed the campaign's numbers. */
export const generationKey = (c: CampaignRef) => `analytics:gen:${c.tenantId}:${c.campaignId}`;

/** A cached insights answer; the generation in the key makes older answers unreachable. */
export const insightsKey = (c: CampaignRef, generation: string, requestHash: string) =>
  `analytics:insights:v1:${c.tenantId}:${c.campaignId}:${generation}:${requestHash}`;

/** Published to after every commit that changed the campaign's numbers (live streams listen). */
export const liveChannel = (keyPrefix: string, c: CampaignRef) => `${keyPrefix}analytics:live:${c.tenantId}:${c.campaignId}`;
