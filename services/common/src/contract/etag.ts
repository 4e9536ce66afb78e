/**
 * Etags (AIP-154, RFC 9110 §8.8.3): Tally's are strong and quoted, `"7"`, in a resource's `etag`
 * field and in the `ETag` response header alike. A client may send one back in the request's etag
 * field or in an `If-Match` header (a list, or `*`), quoted or not: `"7"` and `7` are the same etag,
 * because JSON clients and shells strip quotes all the time.
 *
 * Weak etags (`W/"7"`) are refused with INVALID_ARGUMENT rather than compared: RFC 9110 says a weak
 * etag never matches for If-Match, so accepting one could only ever fail later as a stale write,
 * which reads like a race the client did not have. Tally never issues weak etags.
 */
import { Violations } from "../errors.js";

/** The etag a resource at `version` carries. */
export const formatEtag = (version: number | string): string => `"${version}"`;

/** The opaque value inside the quotes; null for a weak etag. */
function opaque(tag: string): string | null {
  const t = tag.trim();
  if (/^W\//i.test(t)) return null;
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1) : t;
}

/** What a write must match: every etag sent (body field, If-Match) at once. */
export interface EtagPrecondition {
  /** The request's etag field; empty when not sent. */
  etag: string;
  /** The If-Match header, when sent: `"7"`, `7`, `"6", "7"` or `*`. */
  ifMatch?: string;
}

export const NO_PRECONDITION: EtagPrecondition = { etag: "" };

/**
 * Throws INVALID_ARGUMENT for a weak or empty-list If-Match; otherwise returns the etag that did not
 * match the current one (for the ABORTED message), or null when every precondition holds.
 */
export function etagMismatch(pre: EtagPrecondition, current: string, etagField = "etag"): string | null {
  const now = opaque(current);
  const v = new Violations();
  let mismatch: string | null = null;
  if (pre.etag.trim() !== "") {
    const sent = opaque(pre.etag);
    if (v.check(sent !== null, etagField, "weak etags (W/…) cannot guard a write; send the etag as returned") && sent !== now) mismatch = pre.etag.trim();
  }
  if (pre.ifMatch !== undefined && pre.ifMatch.trim() !== "*") {
    const tags = pre.ifMatch.split(",").map((t) => t.trim());
    const opaques = tags.map(opaque);
    if (
      v.check(
        tags.every((t) => t !== ""),
        "if-match",
        "must be `*` or a comma-separated list of etags",
      )
    ) {
      if (
        v.check(
          opaques.every((t) => t !== null),
          "if-match",
          "weak etags (W/…) cannot guard a write; send the etag as returned",
        )
      ) {
        if (!opaques.includes(now)) mismatch ??= pre.ifMatch.trim();
      }
    }
  }
  v.throwIfAny();
  return mismatch;
}
