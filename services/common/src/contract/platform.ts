/**
 * Platform slugs (DESIGN §2): an open set written as a lowercase slug `[a-z0-9_]{1,32}`; input is
 * case-insensitive and trimmed.
 *
 * An EMPTY platform is refused everywhere (ingestion rejects the event; the aggregator
 * dead-letters a record that carries one). The proto marks AdEvent.platform REQUIRED, and
 * `direct` is a real platform (first-party traffic): quietly defaulting to it would count a
 * client's bug as direct traffic, and ingestion and the aggregator would disagree again.
 */
export const PLATFORM_SLUG = /^[a-z0-9_]{1,32}$/;

/** The lowercase slug, or null when the input is empty or not a slug. */
export function normalisePlatform(raw: string): string | null {
  const slug = raw.trim().toLowerCase();
  return PLATFORM_SLUG.test(slug) ? slug : null;
}

/** Why a platform is not acceptable, or null; for messages that name the rule, never the value. */
export function platformProblem(raw: string): string | null {
  if (raw.trim() === "") return "is required";
  return normalisePlatform(raw) === null ? "must be a slug of 1–32 letters, digits or underscores" : null;
}
