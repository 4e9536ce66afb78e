/**
 * Conversion action ids (issue 6, item 9): slugs `[a-z0-9_]{1,32}` like platforms, input
 * case-insensitive and trimmed. "" means "no action" wherever an action is optional (events,
 * report rows, rollups): it is the key of the numbers no action is tied to (impressions, clicks,
 * cost) and of conversions sent without one.
 *
 * Events and report rows are checked against this rule only, never against the tenant's defined
 * actions: that would cost a lookup per event, and refusing a conversion whose action the tenant
 * has not defined yet (a pixel deployed before the settings page was filled in) would lose an
 * accepted sale for good. An undefined action is counted under its slug and shows up as such.
 */
export const CONVERSION_ACTION_SLUG = /^[a-z0-9_]{1,32}$/;

/** "" for an empty (or blank) input, the lowercase slug, or null when it is not a slug. */
export function normaliseConversionAction(raw: string): string | null {
  const slug = raw.trim().toLowerCase();
  if (slug === "") return "";
  return CONVERSION_ACTION_SLUG.test(slug) ? slug : null;
}

/** Why a conversion action is not acceptable (empty allowed), or null; names the rule, never the value. */
export function conversionActionProblem(raw: string): string | null {
  return normaliseConversionAction(raw) === null ? "must be a slug of 1–32 letters, digits or underscores" : null;
}

/**
 * A slug made from free text, for a server-assigned id (`Sign-up form` → `sign_up_form`) or a
 * platform's own action name: lowercase ASCII letters and digits kept (accents dropped), every
 * other run of characters one underscore, trimmed of underscores, cut to `maxChars`. "" when
 * nothing is left.
 */
export function slugifyConversionAction(text: string, maxChars = 32): string {
  const slug = text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
  return slug.slice(0, maxChars).replace(/_+$/, "");
}
