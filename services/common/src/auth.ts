import { SignJWT, jwtVerify, errors as joseErrors, type JWTPayload } from "jose";
import { isApiKeyCredential, isWellFormedApiKey } from "./contract/api-key.js";
import { AppError, permissionDenied, unauthenticated } from "./errors.js";

export type Role = "VIEWER" | "EDITOR" | "OWNER";
export type Scope = "ingest" | "read";

/** Who is calling, as every service sees it after authentication. */
export interface Principal {
  kind: "user" | "api_key" | "service";
  tenantId: string;
  /** User id, API key id, or calling service name. */
  subject: string;
  /** Users have a role; services act with OWNER rights inside the tenant they name. */
  role: Role | null;
  /** API keys are limited to scopes; users and services are not. */
  scopes: Scope[] | null;
}

/** What an RPC requires of its caller. */
export type Policy = { readonly public: true } | { readonly role: Role; readonly scope?: Scope } | { readonly serviceOnly: true };

// Typed narrowly (not as Policy) so that handlers of authenticated policies get a non-null principal.
export const PUBLIC = { public: true } as const satisfies Policy;
export const SERVICE_ONLY = { serviceOnly: true } as const satisfies Policy;
export const read = { role: "VIEWER", scope: "read" } as const satisfies Policy;
export const ingest = { role: "EDITOR", scope: "ingest" } as const satisfies Policy;
export const edit = { role: "EDITOR" } as const satisfies Policy;
export const own = { role: "OWNER" } as const satisfies Policy;

const RANK: Record<Role, number> = { VIEWER: 1, EDITOR: 2, OWNER: 3 };
const ISSUER = "tally";
const AUDIENCE = "tally";

/** Verifies an API key (`tly_…`); null for an unknown or deleted key. api-keys/cached-api-key-verifier.ts. */
export interface ApiKeyVerifier {
  verify(secret: string): Promise<Principal | null>;
}

export interface TokenService {
  issueUserToken(input: { tenantId: string; userId: string; role: Role }): Promise<{ token: string; expireTime: Date }>;
  issueServiceToken(service: string, tenantId: string): Promise<string>;
  authenticate(authorization: string | undefined): Promise<Principal>;
}

export function createTokenService(opts: { secret: string; userTokenTtlSeconds?: number; apiKeys?: ApiKeyVerifier; now?: () => Date }): TokenService {
  const key = new TextEncoder().encode(opts.secret);
  const ttl = opts.userTokenTtlSeconds ?? 3600;
  const now = opts.now ?? (() => new Date());
  // Service tokens are minted per tenant and reused until shortly before they expire.
  const serviceTokens = new Map<string, { token: string; expires: number }>();
  // Verified JWTs, by their exact text, until they expire: a client reuses its token for every
  // call, and HMAC verification was a visible share of a cached insights request. Bounded.
  const verified = new Map<string, { principal: Principal; expires: number }>();
  const remember = (credential: string, principal: Principal, expires: number) => {
    if (verified.size >= 10_000) verified.delete(verified.keys().next().value!);
    verified.set(credential, { principal, expires });
  };

  async function sign(claims: Record<string, unknown>, subject: string, ttlSeconds: number) {
    const iat = Math.floor(now().getTime() / 1000);
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setSubject(subject)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(iat)
      .setExpirationTime(iat + ttlSeconds)
      .sign(key);
    return { token, expireTime: new Date((iat + ttlSeconds) * 1000) };
  }

  return {
    async issueUserToken({ tenantId, userId, role }) {
      return sign({ tid: tenantId, role, kind: "user" }, userId, ttl);
    },

    async issueServiceToken(service, tenantId) {
      const cacheKey = `${service}/${tenantId}`;
      const cached = serviceTokens.get(cacheKey);
      if (cached && cached.expires - now().getTime() > 60_000) return cached.token;
      const { token, expireTime } = await sign({ tid: tenantId, kind: "service" }, service, 300);
      serviceTokens.set(cacheKey, { token, expires: expireTime.getTime() });
      return token;
    },

    async authenticate(authorization) {
      const match = /^Bearer\s+(\S+)$/i.exec(authorization?.trim() ?? "");
      if (!match) throw unauthenticated("TOKEN_MISSING", "missing bearer credential: send `authorization: Bearer <token or API key>`");
      const credential = match[1]!;
      const remembered = verified.get(credential);
      if (remembered && remembered.expires > now().getTime()) return remembered.principal;
      // API keys are never remembered here: their verifier's cache expires within a second, so a
      // deleted key stops working; a JWT cannot be revoked and is remembered until it expires.
      if (isApiKeyCredential(credential)) {
        const principal = opts.apiKeys && isWellFormedApiKey(credential) ? await opts.apiKeys.verify(credential) : null;
        if (!principal) throw unauthenticated("API_KEY_INVALID", "invalid API key");
        return principal;
      }
      try {
        const { payload } = await jwtVerify(credential, key, { issuer: ISSUER, audience: AUDIENCE, currentDate: now() });
        const principal = principalOf(payload);
        remember(credential, principal, (payload.exp ?? 0) * 1000);
        return principal;
      } catch (err) {
        if (err instanceof AppError) throw err;
        if (err instanceof joseErrors.JWTExpired) throw unauthenticated("TOKEN_EXPIRED", "token expired; log in again");
        throw unauthenticated("TOKEN_INVALID", "invalid token");
      }
    },
  };
}

function principalOf(payload: JWTPayload): Principal {
  const tenantId = typeof payload.tid === "string" ? payload.tid : "";
  const subject = payload.sub ?? "";
  if (!tenantId || !subject) throw unauthenticated("TOKEN_INVALID", "token lacks tenant or subject");
  if (payload.kind === "service") return { kind: "service", tenantId, subject, role: "OWNER", scopes: null };
  const role = payload.role;
  if (role !== "VIEWER" && role !== "EDITOR" && role !== "OWNER") throw unauthenticated("TOKEN_INVALID", "token has no valid role");
  return { kind: "user", tenantId, subject, role, scopes: null };
}

/**
 * Throws PERMISSION_DENIED when the principal does not satisfy the policy, with the reason and, in
 * ErrorInfo.metadata, what the method requires and what the caller has (wire enum names).
 */
export function authorize(principal: Principal, policy: Policy): void {
  if ("public" in policy) return;
  if ("serviceOnly" in policy) {
    if (principal.kind !== "service") throw permissionDenied("SERVICE_ONLY", "this method is for Tally services only");
    return;
  }
  if (principal.kind === "service") return;
  if (principal.kind === "api_key") {
    if (!policy.scope || !principal.scopes?.includes(policy.scope)) {
      const held = (principal.scopes ?? []).map(wireScope).join(",");
      if (!policy.scope) throw permissionDenied("SCOPE_NOT_ALLOWED", "API keys cannot call this method", { key_scopes: held });
      throw permissionDenied("SCOPE_NOT_ALLOWED", `API key lacks the ${wireScope(policy.scope)} scope`, {
        required_scope: wireScope(policy.scope),
        key_scopes: held,
      });
    }
    return;
  }
  if (!principal.role || RANK[principal.role] < RANK[policy.role]) {
    throw permissionDenied("ROLE_TOO_LOW", `requires role ROLE_${policy.role} or higher`, {
      required_role: `ROLE_${policy.role}`,
      role: principal.role ? `ROLE_${principal.role}` : "ROLE_UNSPECIFIED",
    });
  }
}

/** `ingest` → `API_KEY_SCOPE_INGEST`, as the wire spells it. */
const wireScope = (s: Scope) => `API_KEY_SCOPE_${s.toUpperCase()}`;
