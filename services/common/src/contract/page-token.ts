/**
 * Page tokens (DESIGN §2): opaque to clients and tamper-evident. A token is
 * `base64url(JSON payload) "." base64url(HMAC-SHA256(key, scope "\n" payload))`. The scope binds
 * it to the list and the request parameters it was issued for (a fingerprint of filter, order…),
 * so it cannot be replayed against another query; the MAC makes a forged or edited token fail
 * before its payload is trusted.
 *
 * The key is derived from the service signing secret (TALLY_JWT_SECRET) with a fixed label: every
 * replica of every service already shares that secret, and outside development mode it is
 * required to be strong, so no second secret has to be distributed. Rotating the signing secret
 * invalidates outstanding page tokens; clients then restart paging (INVALID_ARGUMENT page_token).
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { Violations } from "../errors.js";

export const PAGE_TOKEN_FIELD = "page_token";
/** Tokens we issue stay far below this; anything longer is not ours. */
const MAX_TOKEN_CHARS = 1024;
const KEY_LABEL = "tally/page-token/v1";

export interface PageTokens {
  /** A token carrying payload (any JSON value) for this scope. */
  seal(scope: string, payload: unknown): string;
  /** The payload, or null when the token is malformed, forged, or was issued for another scope. */
  open(scope: string, token: string): unknown;
}

export function createPageTokens(signingSecret: string): PageTokens {
  const key = createHmac("sha256", signingSecret).update(KEY_LABEL).digest();
  const mac = (scope: string, body: string) => createHmac("sha256", key).update(`${scope}\n${body}`).digest();
  return {
    seal(scope, payload) {
      const body = Buffer.from(JSON.stringify(payload)).toString("base64url");
      return `${body}.${mac(scope, body).toString("base64url")}`;
    },
    open(scope, token) {
      if (token.length > MAX_TOKEN_CHARS) return null;
      const [body, tag, ...rest] = token.split(".");
      if (!body || !tag || rest.length > 0) return null;
      const given = Buffer.from(tag, "base64url");
      const expected = mac(scope, body);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
      try {
        return JSON.parse(Buffer.from(body, "base64url").toString("utf8"));
      } catch {
        return null;
      }
    },
  };
}

/**
 * Reads a request's page token: "" is the first page (null); otherwise the payload as `parse`
 * accepts it, or a `page_token` violation (never quoting the token) and null.
 */
export function readPageToken<T>(tokens: PageTokens, scope: string, token: string, parse: (payload: unknown) => T | null, v: Violations): T | null {
  if (token === "") return null;
  const payload = tokens.open(scope, token);
  const value = payload === null ? null : parse(payload);
  if (value === null) v.add(PAGE_TOKEN_FIELD, "is not a token from a previous response to this same request");
  return value;
}
