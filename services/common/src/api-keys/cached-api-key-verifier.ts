/**
 * Verifies API keys for a whole process with an in-memory cache, so that a request with a key
 * costs a Map lookup, not a call to the campaign service that owns the keys.
 *
 * The guarantee (DESIGN §2.1): a deleted key is refused by every replica of every service within a
 * second. Each answer is served for at most `ttlMs` (1 s) counted from *before* the lookup was
 * sent, so an answer read before a delete committed stops being served less than ttlMs after it.
 * No invalidation message is needed, and none can be missed. To keep lookups off the request path
 * under steady traffic, an answer older than `refreshAfterMs` is refreshed in the background while
 * it is still served (one refresh at a time per key): a busy key costs ≈ 2 lookups per second per
 * process, and its requests never wait. Unknown keys are remembered for ttlMs too (a flood of one
 * bad key is one lookup per second); keys that fail the checksum never get here.
 *
 * When the owner cannot be reached and an answer has expired, the call fails UNAVAILABLE: an
 * unverifiable key is not accepted.
 */
import type { ApiKeyVerifier, Principal, Scope } from "../auth.js";
import { apiKeySecretHash } from "../contract/api-key.js";

/** A live key as its owner describes it. */
export interface ApiKeyGrant {
  keyId: string;
  tenantId: string;
  scopes: Scope[];
}

/** Where keys are looked up: the identity store in the campaign service, a gRPC call elsewhere. */
export interface ApiKeySource {
  /** null: no live key has this hash. Throws (UNAVAILABLE) when the answer cannot be had. */
  lookup(secretSha256: Buffer): Promise<ApiKeyGrant | null>;
}

export interface ApiKeyCacheOptions {
  ttlMs?: number;
  refreshAfterMs?: number;
  maxEntries?: number;
  now?: () => number;
}

interface Entry {
  principal: Principal | null;
  /** When the lookup that produced this answer was started. */
  askedAt: number;
  refreshing: boolean;
}

export class CachedApiKeyVerifier implements ApiKeyVerifier {
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<Principal | null>>();
  private readonly ttlMs: number;
  private readonly refreshAfterMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(
    private readonly source: ApiKeySource,
    opts: ApiKeyCacheOptions = {},
  ) {
    this.ttlMs = opts.ttlMs ?? 1000;
    this.refreshAfterMs = opts.refreshAfterMs ?? this.ttlMs / 2;
    this.maxEntries = opts.maxEntries ?? 10_000;
    this.now = opts.now ?? Date.now;
  }

  // Keyed by the secret itself (it is in this process's memory for the request anyway): a hit
  // costs no hashing. The secret never leaves the process; lookups send its hash.
  async verify(secret: string): Promise<Principal | null> {
    const entry = this.entries.get(secret);
    const at = this.now();
    if (entry && at - entry.askedAt < this.ttlMs) {
      if (at - entry.askedAt >= this.refreshAfterMs && !entry.refreshing) {
        entry.refreshing = true;
        this.load(secret).catch(() => {
          // Served until it expires; the request after that waits for a lookup and sees the error.
          entry.refreshing = false;
        });
      }
      return entry.principal;
    }
    return this.load(secret);
  }

  /** Drops every cached answer for a key (the owning process calls it on delete; others wait out the TTL). */
  forgetKey(keyId: string): void {
    for (const [secret, entry] of this.entries) if (entry.principal?.subject === keyId) this.entries.delete(secret);
  }

  private load(secret: string): Promise<Principal | null> {
    const pending = this.loading.get(secret);
    if (pending) return pending;
    const askedAt = this.now();
    const promise = this.source
      .lookup(apiKeySecretHash(secret))
      .then((grant) => {
        const principal: Principal | null = grant && { kind: "api_key", tenantId: grant.tenantId, subject: grant.keyId, role: null, scopes: grant.scopes };
        this.remember(secret, { principal, askedAt, refreshing: false });
        return principal;
      })
      .finally(() => this.loading.delete(secret));
    this.loading.set(secret, promise);
    return promise;
  }

  private remember(secret: string, entry: Entry): void {
    // Re-inserted at the end: the Map's order is the eviction order (least recently refreshed first).
    this.entries.delete(secret);
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(secret, entry);
  }
}
