/**
 * Platform connections: a tenant's link to one ad account. Credentials are write-only: sealed by
 * the CredentialsCipher before they reach the store, opened only by syncs, never returned, logged
 * or quoted in an error.
 */
import { normalisePlatform } from "#common/contract/platform.js";
import { AppError, notFound, Violations } from "#common/errors.js";

export type ConnectionStatus = "ACTIVE" | "ERROR" | "DISABLED";

export interface PlatformCredentials {
  accessToken: string;
  refreshToken: string;
  clientId: string;
  clientSecret: string;
  developerToken: string;
  loginCustomerId: string;
}

/** Credentials as stored: AES-256-GCM ciphertext, its IV and tag, and the id of the key that sealed them. */
export interface SealedCredentials {
  keyId: string;
  iv: Uint8Array;
  tag: Uint8Array;
  ciphertext: Uint8Array;
}

/** Seals and opens credentials bound to their connection (aad), so a row copied elsewhere fails to open. */
export interface CredentialsCipher {
  seal(credentials: PlatformCredentials, aad: string): SealedCredentials;
  open(sealed: SealedCredentials, aad: string): PlatformCredentials;
}

/** What every RPC may show of a connection: never the credentials. */
export interface PlatformConnection {
  id: string;
  tenantId: string;
  platform: string;
  accountId: string;
  displayName: string;
  status: ConnectionStatus;
  lastSyncTime: Date | null;
  lastError: string;
  lastErrorTime: Date | null;
  nextSyncTime: Date;
  accountTimeZone: string;
  consecutiveFailures: number;
  createTime: Date;
}

export interface ConnectionInput {
  platform: string;
  accountId: string;
  displayName: string;
  credentials: PlatformCredentials | null;
}

export interface ConnectionPage {
  connections: PlatformConnection[];
  /** The (create_time, id) after which the next page starts; null on the last page. */
  next: { createTime: string; id: string } | null;
}

/** Throws ALREADY_EXISTS (reason CONNECTION_EXISTS) for a second connection to the same account. */
export interface ConnectionStore {
  insert(connection: PlatformConnection, sealed: SealedCredentials): Promise<void>;
  get(tenantId: string, id: string): Promise<PlatformConnection | null>;
  list(tenantId: string, after: { createTime: string; id: string } | null, limit: number): Promise<ConnectionPage>;
  delete(tenantId: string, id: string): Promise<boolean>;
}

export interface PlatformConnections {
  create(tenantId: string, input: ConnectionInput): Promise<PlatformConnection>;
  get(tenantId: string, id: string): Promise<PlatformConnection>;
  list(tenantId: string, after: { createTime: string; id: string } | null, pageSize: number): Promise<ConnectionPage>;
  delete(tenantId: string, id: string): Promise<void>;
}

export interface PlatformConnectionsDeps {
  store: ConnectionStore;
  cipher: CredentialsCipher;
  newId: () => string;
  clock?: () => Date;
}

/** The additional authenticated data that binds sealed credentials to their row. */
export const credentialsAad = (tenantId: string, connectionId: string) => `tally/platform-connection/${tenantId}/${connectionId}`;

const ACCOUNT_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Field-level checks; messages never quote a credential. */
export function validateConnection(input: ConnectionInput, v: Violations, prefix = "platform_connection."): void {
  const platform = normalisePlatform(input.platform);
  v.check(platform !== null && input.platform.trim() !== "", `${prefix}platform`, "must be a platform slug such as meta, google, linkedin or tiktok");
  v.check(ACCOUNT_ID.test(input.accountId), `${prefix}account_id`, "must be the platform's ad account id: 1–64 letters, digits, '-' or '_'");
  v.check(input.displayName.length <= 255, `${prefix}display_name`, "must be at most 255 characters");
  const c = input.credentials;
  if (!c) {
    v.add(`${prefix}credentials`, "are required");
    return;
  }
  v.check(c.accessToken !== "" || c.refreshToken !== "", `${prefix}credentials`, "need an access_token or a refresh_token");
  if (c.refreshToken !== "" && c.accessToken === "" && platform !== "meta") {
    v.check(c.clientId !== "" && c.clientSecret !== "", `${prefix}credentials.client_id`, "client_id and client_secret are needed to use a refresh_token");
  }
  if (platform === "google") v.check(c.developerToken !== "", `${prefix}credentials.developer_token`, "is required for Google Ads");
  v.check(c.loginCustomerId === "" || /^\d{1,20}$/.test(c.loginCustomerId), `${prefix}credentials.login_customer_id`, "must be digits only (no dashes)");
}

export function createPlatformConnections(deps: PlatformConnectionsDeps): PlatformConnections {
  const clock = deps.clock ?? (() => new Date());
  return {
    async create(tenantId, input) {
      const v = new Violations();
      const normalised = { ...input, platform: input.platform.trim().toLowerCase(), accountId: input.accountId.trim(), displayName: input.displayName.trim() };
      validateConnection(normalised, v);
      v.throwIfAny();
      const now = clock();
      const connection: PlatformConnection = {
        id: deps.newId(),
        tenantId,
        platform: normalised.platform,
        accountId: normalised.accountId,
        displayName: normalised.displayName || `${normalised.platform} ${normalised.accountId}`,
        status: "ACTIVE",
        lastSyncTime: null,
        lastError: "",
        lastErrorTime: null,
        // The first sync is due at once.
        nextSyncTime: now,
        accountTimeZone: "",
        consecutiveFailures: 0,
        createTime: now,
      };
      const sealed = deps.cipher.seal(normalised.credentials!, credentialsAad(tenantId, connection.id));
      await deps.store.insert(connection, sealed);
      return connection;
    },
    async get(tenantId, id) {
      const found = await deps.store.get(tenantId, id);
      if (!found) throw notFound("platform connection", id, "CONNECTION_NOT_FOUND");
      return found;
    },
    async list(tenantId, after, pageSize) {
      const v = new Violations();
      v.check(pageSize >= 0 && pageSize <= 1000, "page_size", "must be 0–1000 (0 means 50)");
      v.throwIfAny();
      return deps.store.list(tenantId, after, pageSize || 50);
    },
    async delete(tenantId, id) {
      if (!(await deps.store.delete(tenantId, id))) throw notFound("platform connection", id, "CONNECTION_NOT_FOUND");
    },
  };
}

export const connectionExists = (platform: string, accountId: string) =>
  new AppError("ALREADY_EXISTS", "CONNECTION_EXISTS", `a connection to ${platform} account ${JSON.stringify(accountId)} already exists`);
