/**
 * What every string Tally accepts must satisfy, whatever the field: no NUL (PostgreSQL text cannot
 * hold it, and one poisoned event used to stop every tenant's aggregation) and valid UTF-8.
 *
 * Invalid UTF-8 cannot be seen in the bytes any more when a handler runs: the protobuf runtime
 * decodes strings with a non-fatal TextDecoder, which turns every invalid sequence into U+FFFD.
 * So U+FFFD is refused as the decoder's mark of invalid input (a client has no use for the
 * replacement character in ids, names or filters, and storing it would silently keep a corrupted
 * value). Lone UTF-16 surrogates are refused too: they cannot come out of the decoder, but can
 * from JSON escapes (`"\ud800"`) or in-process callers, and no UTF-8 encoding of them exists.
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** More code points than max? Cheap for the common short string (length counts UTF-16 units ≥ code points). */
export function longerThan(s: string, max: number): boolean {
  if (s.length <= max) return false;
  let points = 0;
  for (const _ of s) if (++points > max) return true;
  return false;
}

/** Why a string is not acceptable input, or null. Never quotes the value. */
export function textProblem(s: string, maxChars: number): string | null {
  if (s.includes("\u0000")) return "must not contain NUL (U+0000) characters";
  if (s.includes("\uFFFD") || LONE_SURROGATE.test(s)) return "is not valid UTF-8";
  if (longerThan(s, maxChars)) return `must be at most ${maxChars} characters`;
  return null;
}

/** Quotes client input in a message without echoing a long value (Envoy turns messages into headers). */
export function quoteValue(s: string, max = 32): string {
  return JSON.stringify(s.length > max ? `${s.slice(0, max)}…` : s);
}
