/**
 * Meta's rate-limit signals (Graph API "Rate Limiting", Marketing API "Insights → Limits and Best
 * Practices"). Pure; the connector applies the verdicts.
 *
 * - Error codes that mean throttling: 4 (app), 17 (user), 32 (page), 613 (calls in a window),
 *   80000–80014 (business-use-case limits, 80000 being ads_insights). Code 1 and 2 are transient.
 * - Headers on every answer: X-App-Usage {call_count,total_cputime,total_time} (%),
 *   X-Business-Use-Case-Usage {"<business id>":[{type,call_count,total_cputime,total_time,
 *   estimated_time_to_regain_access (minutes)}]} and X-FB-Ads-Insights-Throttle
 *   {app_id_util_pct, acc_id_util_pct}. Near 100 % Meta starts refusing; we slow down at 90 %.
 */

export const META_THROTTLE_CODES = new Set([4, 17, 32, 613]);
export const META_TRANSIENT_CODES = new Set([1, 2]);
/** The access token is invalid or expired (OAuthException). */
export const META_AUTH_CODE = 190;

export function isMetaThrottleCode(code: number): boolean {
  return META_THROTTLE_CODES.has(code) || (code >= 80000 && code <= 80014);
}

/** Usage at or above this share (percent) makes the connector pause before its next call. */
export const USAGE_PAUSE_PERCENT = 90;
/** The pause when Meta names no time to regain access. */
export const USAGE_PAUSE_MS = 30_000;

export interface MetaUsage {
  /** The highest usage percentage any header reports. */
  maxPercent: number;
  /** estimated_time_to_regain_access in ms (0 when not throttled or not given). */
  regainMs: number;
}

/** Reads the three usage headers; unreadable ones count as no usage. */
export function readMetaUsage(headers: Headers): MetaUsage {
  let maxPercent = 0;
  let regainMs = 0;
  const take = (value: unknown) => {
    if (typeof value === "number" && Number.isFinite(value)) maxPercent = Math.max(maxPercent, value);
  };
  const app = parse(headers.get("x-app-usage"));
  if (app) for (const key of ["call_count", "total_cputime", "total_time"]) take(app[key]);
  const insights = parse(headers.get("x-fb-ads-insights-throttle"));
  if (insights) for (const key of ["app_id_util_pct", "acc_id_util_pct"]) take(insights[key]);
  const business = parse(headers.get("x-business-use-case-usage"));
  if (business) {
    for (const entries of Object.values(business)) {
      if (!Array.isArray(entries)) continue;
      for (const entry of entries as Array<Record<string, unknown>>) {
        for (const key of ["call_count", "total_cputime", "total_time"]) take(entry[key]);
        const minutes = entry.estimated_time_to_regain_access;
        if (typeof minutes === "number" && minutes > 0) regainMs = Math.max(regainMs, minutes * 60_000);
      }
    }
  }
  return { maxPercent, regainMs };
}

/** How long to wait before the next call given the usage headers of the last answer. */
export function usagePauseMs(usage: MetaUsage): number {
  if (usage.regainMs > 0) return usage.regainMs;
  return usage.maxPercent >= USAGE_PAUSE_PERCENT ? USAGE_PAUSE_MS : 0;
}

function parse(value: string | null): Record<string, unknown> | null {
  if (!value) return null;
  try {
    const parsed: unknown = JSON.parse(value);
    return typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
