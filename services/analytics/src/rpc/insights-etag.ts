/**
 * HTTP validators for insights answers. The ETag is a digest of the tenant and the report (numbers,
 * range, data freshness time): the same answer for the same tenant always has the same tag, any new
 * data gives a new one. If-None-Match naming the current tag is answered with an empty message and
 * NOT_MODIFIED_HEADER, which the edge turns into 304 Not Modified (envoy/local-reply.lua), so
 * neither this process nor Envoy encodes the report again for a client that already has it.
 *
 * Tenant safety: the tag is checked only after authentication and after the campaign was found as
 * the caller's tenant (another tenant's campaign is NOT_FOUND before any of this runs), and the
 * tenant is part of the digest.
 *
 * Cache-Control "private, no-cache": an answer belongs to one credential's tenant (no shared
 * cache may keep it), and new data can arrive with any aggregator flush, so a client revalidates
 * before every reuse; a revalidation costs a 304 without a body.
 */
import { createHash } from "node:crypto";
import type { InsightsReport } from "../domain/insights-report.js";
import { encodeReport } from "../cache/insights-codec.js";
import { convertedOnce } from "./encoded-once.js";

export const NOT_MODIFIED_HEADER = "x-tally-not-modified";
export const INSIGHTS_CACHE_CONTROL = "private, no-cache";

// A cached report is served as the same object again: digested once.
const reportDigest = convertedOnce((report: InsightsReport) => createHash("sha256").update(encodeReport(report)).digest());

/** A strong entity tag for this tenant's report. */
export function insightsEtag(tenantId: string, report: InsightsReport): string {
  return `"${createHash("sha256").update(tenantId).update("\u0000").update(reportDigest(report)).digest("base64url").slice(0, 32)}"`;
}

/**
 * Whether If-None-Match names `etag` (RFC 9110 §13.1.2: a list of tags, weak comparison, or "*").
 * A malformed header matches nothing: the full answer is always a safe reply.
 */
export function ifNoneMatchHits(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === "*") return true;
  return header.split(",").some((tag) => tag.trim().replace(/^W\//, "") === etag);
}
