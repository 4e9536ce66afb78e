import { ISO_3166_ALPHA2, UNKNOWN_REGION } from "./region-codes.js";

const PLATFORM_SLUG = /^[a-z0-9_]{1,32}$/;

/** Platform slugs are case-insensitive on input and lowercase everywhere after; null if malformed. */
export function normalisePlatform(raw: string): string | null {
  const slug = raw.trim().toLowerCase();
  return PLATFORM_SLUG.test(slug) ? slug : null;
}

/** Regions are case-insensitive ISO 3166-1 alpha-2 codes; empty means ZZ; null if not a code. */
export function normaliseRegion(raw: string): string | null {
  const code = raw.trim().toUpperCase();
  if (code === "" || code === UNKNOWN_REGION) return UNKNOWN_REGION;
  return ISO_3166_ALPHA2.has(code) ? code : null;
}
