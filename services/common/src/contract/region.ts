/**
 * Regions (DESIGN §2): ISO 3166-1 alpha-2, uppercase, with ZZ for unknown. Input is
 * case-insensitive; an empty region means unknown (AdEvent.region is optional).
 */
import { ISO_3166_ALPHA2, UNKNOWN_REGION } from "./region-codes.js";

export { UNKNOWN_REGION };

/** The uppercase code (ZZ for empty), or null when it is not an assigned alpha-2 code. */
export function normaliseRegion(raw: string): string | null {
  const code = raw.trim().toUpperCase();
  if (code === "" || code === UNKNOWN_REGION) return UNKNOWN_REGION;
  return ISO_3166_ALPHA2.has(code) ? code : null;
}

export const REGION_RULE = "must be an ISO 3166-1 alpha-2 code (ZZ or empty when unknown)";
