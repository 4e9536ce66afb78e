/**
 * Redis names shared by the insights API (reader) and the aggregator (writer). Keys get the
 * environment prefix from the client's keyPrefix; pub/sub channels do not (ioredis prefixes keys
 * only), so channel names take the prefix explicitly.
 */
import { randomBytes } from "node:crypto";
import type { CampaignRef } from "../domain/ad-events.js";

/**
 * The campaign's data generation: an opaque random token, replaced after every commit that changed
 * the campaign's numbers. Never a counter: a counter starts again from 0 when Redis comes back
 * empty (or loses the key), and the old numbers cached for "generation 3" would match again. A
 * token is never reused, so a lost key only ever leads to a new token, i.e. to cache misses.
 */
export const generationKey = (c: CampaignRef) => `analytics:gen:${c.tenantId}:${c.campaignId}`;

/** A generation token nobody has used before (96 random bits). */
export const newGeneration = (): string => randomBytes(12).toString("base64url");

/**
 * A cached insights answer; the generation token in the key makes older answers unreachable. v2:
 * conversions summed exactly (conversionsMicros); a v1 answer added platform rows' whole parts, so
 * it is never read again.
 */
export const insightsKey = (c: CampaignRef, generation: string, requestHash: string) =>
  `analytics:insights:v2:${c.tenantId}:${c.campaignId}:${generation}:${requestHash}`;

/** Published to after every commit that changed the campaign's numbers (live streams listen). */
export const liveChannel = (keyPrefix: string, c: CampaignRef) => `${keyPrefix}analytics:live:${c.tenantId}:${c.campaignId}`;
