/**
 * API keys (DESIGN §2.1): machine credentials of an organization, scoped to `ingest`, `read` or
 * both. The secret is shown once, in the create response; only its SHA-256 is stored (why not
 * scrypt: common/src/contract/api-key.ts). Delete revokes at once in the store; every service's
 * cache stops accepting the key within a second (common/src/api-keys/cached-api-key-verifier.ts).
 */
import { randomUUID } from "node:crypto";
import type { Scope } from "#common/auth.js";
import type { ApiKeyGrant } from "#common/api-keys/cached-api-key-verifier.js";
import { apiKeyDisplayPrefix, apiKeySecretHash, generateApiKeySecret } from "#common/contract/api-key.js";
import { readPageToken, type PageTokens } from "#common/contract/page-token.js";
import { notFound, Violations } from "#common/errors.js";

export interface ApiKey {
  id: string;
  tenantId: string;
  displayName: string;
  scopes: Scope[];
  /** `tly_` and the first 8 characters of the secret, to recognise a key. */
  secretPrefix: string;
  createTime: Date;
  /** To within lastUseResolutionMs; null until first used. */
  lastUseTime: Date | null;
}

/** Newest first: (createTime desc, id desc). */
export interface ApiKeyCursor {
  createTime: Date;
  id: string;
}

/** The organization-facing side of the key table. */
export interface ApiKeyStore {
  create(key: ApiKey, secretSha256: Buffer): Promise<void>;
  /** Live keys of the tenant, newest first, after the cursor. */
  list(tenantId: string, after: ApiKeyCursor | null, limit: number): Promise<ApiKey[]>;
  /** Revokes a live key of the tenant; false when there is none. */
  revoke(tenantId: string, id: string, at: Date): Promise<boolean>;
}

/** The verification side: one indexed lookup by hash, and the last-use stamp. */
export interface ApiKeyLookup {
  findLive(secretSha256: Buffer): Promise<ApiKey | null>;
  /** Sets last_use_time unless a later one is already stored. */
  recordUse(id: string, at: Date): Promise<void>;
}

export type ScopeInput = Scope | "UNSPECIFIED";

export interface ApiKeyService {
  create(tenantId: string, input: { displayName: string; scopes: ScopeInput[] }): Promise<{ apiKey: ApiKey; secret: string }>;
  list(tenantId: string, input: { pageSize: number; pageToken: string }): Promise<{ apiKeys: ApiKey[]; nextPageToken: string }>;
  delete(tenantId: string, id: string): Promise<void>;
  /** For the other services (and this one): who a live key belongs to; null for none. Stamps its last use. */
  verify(secretSha256: Buffer): Promise<ApiKeyGrant | null>;
}

export interface ApiKeyServiceDeps {
  store: ApiKeyStore;
  lookup: ApiKeyLookup;
  pageTokens: PageTokens;
  /** Last use is written at most this often per key and process: not a write per request. */
  lastUseResolutionMs?: number;
  /** Last use is best effort: a failed stamp is reported here, and verification goes on. */
  onRecordUseError?: (err: unknown) => void;
  /** Told after a key is revoked (this process's verifier forgets it at once; other processes within 1 s). */
  onRevoked?: (id: string) => void;
  now?: () => Date;
}

const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 1000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_TRACKED_USES = 10_000;

const apiKeyNotFound = (id: string) => notFound("API key", id, "API_KEY_NOT_FOUND");

export function createApiKeyService(deps: ApiKeyServiceDeps): ApiKeyService {
  const { store, lookup, pageTokens, now = () => new Date() } = deps;
  const resolutionMs = deps.lastUseResolutionMs ?? 60_000;
  const lastStamped = new Map<string, number>();

  async function stampUse(id: string, at: Date): Promise<void> {
    const previous = lastStamped.get(id);
    if (previous !== undefined && at.getTime() - previous < resolutionMs) return;
    if (lastStamped.size >= MAX_TRACKED_USES) lastStamped.clear();
    lastStamped.set(id, at.getTime());
    try {
      await lookup.recordUse(id, at);
    } catch (err) {
      lastStamped.delete(id);
      deps.onRecordUseError?.(err);
    }
  }

  return {
    async create(tenantId, input) {
      const displayName = input.displayName.trim();
      const scopes = [...new Set(input.scopes)];
      const v = new Violations();
      v.check(displayName.length >= 1 && displayName.length <= 100, "display_name", "must be 1–100 characters");
      v.check(scopes.length >= 1, "scopes", "must name at least one of API_KEY_SCOPE_INGEST, API_KEY_SCOPE_READ");
      v.check(!scopes.includes("UNSPECIFIED"), "scopes", "must not contain API_KEY_SCOPE_UNSPECIFIED");
      v.throwIfAny();
      const secret = generateApiKeySecret();
      const apiKey: ApiKey = {
        id: randomUUID(),
        tenantId,
        displayName,
        scopes: (["ingest", "read"] as const).filter((s) => scopes.includes(s)),
        secretPrefix: apiKeyDisplayPrefix(secret),
        createTime: now(),
        lastUseTime: null,
      };
      await store.create(apiKey, apiKeySecretHash(secret));
      return { apiKey, secret };
    },

    async list(tenantId, input) {
      const v = new Violations();
      v.check(input.pageSize >= 0 && input.pageSize <= MAX_PAGE_SIZE, "page_size", `must be 0–${MAX_PAGE_SIZE} (0 means ${DEFAULT_PAGE_SIZE})`);
      const scope = `apiKeys/${tenantId}`;
      const after = readPageToken(pageTokens, scope, input.pageToken, parseCursor, v);
      v.throwIfAny();
      const pageSize = input.pageSize || DEFAULT_PAGE_SIZE;
      const rows = await store.list(tenantId, after, pageSize + 1);
      const apiKeys = rows.slice(0, pageSize);
      const last = apiKeys[apiKeys.length - 1];
      const nextPageToken = rows.length > pageSize && last ? pageTokens.seal(scope, { t: last.createTime.toISOString(), id: last.id }) : "";
      return { apiKeys, nextPageToken };
    },

    async delete(tenantId, id) {
      if (!UUID.test(id) || !(await store.revoke(tenantId, id, now()))) throw apiKeyNotFound(id);
      deps.onRevoked?.(id);
    },

    async verify(secretSha256) {
      const key = await lookup.findLive(secretSha256);
      if (!key) return null;
      await stampUse(key.id, now());
      return { keyId: key.id, tenantId: key.tenantId, scopes: key.scopes };
    },
  };
}

function parseCursor(payload: unknown): ApiKeyCursor | null {
  const p = payload as { t?: unknown; id?: unknown } | null;
  if (typeof p?.t !== "string" || typeof p.id !== "string" || !UUID.test(p.id)) return null;
  const createTime = new Date(p.t);
  return Number.isNaN(createTime.getTime()) ? null : { createTime, id: p.id };
}
