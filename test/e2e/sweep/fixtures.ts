/**
 * The sweep's world, built through the public API: a victim tenant A (campaigns in every lifecycle
 * state, users of every role, API keys of each scope, a platform connection its campaigns are linked
 * to, a fetch job), an attacker tenant B, and a fuzz tenant F whose data the fuzz cases may change.
 * Credentials of every kind are minted here, with the project's own token and key formats
 * (services/common/src/auth.ts, contract/api-key.ts) so that only the one property under test is wrong.
 *
 * Every call goes through the sweep's own gRPC transport with proto3 JSON, so a new field or RPC
 * needs no generated-client plumbing here.
 */
import { randomBytes } from "node:crypto";
import type { JsonObject } from "@bufbuild/protobuf";
import { createTokenService, type Role, type Scope } from "#common/auth.js";
import { apiKeySecretHash, generateApiKeySecret } from "#common/contract/api-key.js";
import { stack, uniqueName } from "../../support/stack.js";
import type { Contract } from "./contract.js";
import type { GrpcTransport } from "./grpc-transport.js";
import { retryRateLimited } from "./transports.js";

export type Lifecycle = "draft" | "active" | "paused" | "completed" | "cancelled" | "deleted";

export interface Tenant {
  tenantId: string;
  ownerId: string;
  ownerEmail: string;
  password: string;
  tokens: Record<Role, string>;
  /** A service credential naming this tenant (what Tally's services send each other). */
  serviceToken: string;
  /** API key secrets, one per scope. */
  apiKeys: Record<Scope, string>;
  /** Every campaign is linked to `connection` on meta (platform_links), so FetchPlatformData can run. */
  campaigns: Record<Lifecycle, string>;
  /** The tenant's meta platform connection. */
  connection: { id: string; accountId: string };
  /** A fetch job of the active campaign (FetchPlatformData's answer). */
  fetchJobId: string;
  /** Resources that exist to be deleted by the Delete RPCs' valid requests, so deleting them breaks nothing else. */
  spare: { apiKeyId: string; connectionId: string };
}

export type CredentialKind = "none" | "garbage" | "fake-api-key" | "deleted-api-key" | "alg-none" | "wrong-key" | "expired";

export interface Fixtures {
  victim: Tenant;
  attacker: Tenant;
  /** Where read-only RPCs are fuzzed. */
  fuzz: Tenant;
  /**
   * A tenant of its own per state-changing RPC, so that each RPC's fuzz cases run one at a time
   * between snapshots while different RPCs run side by side, and damage stays with its RPC.
   */
  fuzzOf: Record<string, Tenant>;
  /** Credentials that must all get UNAUTHENTICATED; each names tenant A's OWNER (or one of A's keys) where it names anyone. */
  badCredentials: Record<CredentialKind, string | undefined>;
  /** A real next_page_token of ListCampaigns' valid request in rpc-specs.ts (page_size 1), tenant F. */
  pageToken: string;
  /** A real next_page_token of a different ListCampaigns request (ordered by name). */
  foreignPageToken: string;
  close(): void;
}

const PASSWORD = "sweep password 123";
/** ListCampaigns' valid request (rpc-specs.ts) filters and orders like this, so its page tokens fit it. */
export const LIST_FILTER = 'name:"sweep"';
/** The conversion action every fixture tenant has. */
export const SWEEP_ACTION = "sweep_purchase";
export const LIST_ORDER = "create_time desc";
const hourFromNow = (h: number) => new Date(Date.now() + h * 3_600_000).toISOString();
const today = () => new Date().toISOString().slice(0, 10);

/** Calls an RPC with a proto3-JSON request; throws unless it answers OK. */
export type JsonCall = (rpcId: string, json: JsonObject, token: string | undefined) => Promise<JsonObject>;

export function jsonCaller(contract: Contract, grpc: GrpcTransport): JsonCall {
  return async (rpcId, json, token) => {
    const rpc = contract.rpcs.find((r) => r.id === rpcId);
    if (!rpc) throw new Error(`no RPC ${rpcId} in the descriptor set`);
    const bytes = Buffer.from(contract.encode(rpc.input, json));
    const o = await retryRateLimited(() => grpc.send(rpc, bytes, token));
    if (o.code !== "OK") throw new Error(`fixture ${rpc.name} failed: ${o.code} ${o.message ?? ""}`);
    return (o.body ?? {}) as JsonObject;
  };
}

const ID = "tally.identity.v1.IdentityService";
const CAMPAIGN = "tally.campaign.v1.CampaignService";
const INGESTION = "tally.ingestion.v1.IngestionService";
const SCOPE_ENUM: Record<Scope, string> = { read: "API_KEY_SCOPE_READ", ingest: "API_KEY_SCOPE_INGEST" };
const services = createTokenService({ secret: stack.jwtSecret });

async function tenant(rpc: JsonCall, label: string, withUsers = true): Promise<Tenant> {
  const ownerEmail = `${uniqueName(`sweep-${label}-`)}@example.com`;
  const reg = await rpc(`${ID}/Register`, { email: ownerEmail, password: PASSWORD, organizationName: `Sweep ${label}` }, undefined);
  const owner = String(reg.accessToken);
  const tenantId = String((reg.organization as JsonObject).id);
  const tokens = { OWNER: owner } as Record<Role, string>;
  for (const role of withUsers ? (["EDITOR", "VIEWER"] as const) : []) {
    const email = `${uniqueName(`sweep-${label}-${role.toLowerCase()}-`)}@example.com`;
    await rpc(`${ID}/CreateUser`, { email, password: PASSWORD, role: `ROLE_${role}` }, owner);
    tokens[role] = String((await rpc(`${ID}/Login`, { email, password: PASSWORD }, undefined)).accessToken);
  }
  const key = async (scopes: Scope[]) =>
    rpc(`${ID}/CreateApiKey`, { displayName: `sweep ${scopes.join("+")}`, scopes: scopes.map((s) => SCOPE_ENUM[s]) }, owner);
  const [readKey, ingestKey, spareKey] = await Promise.all([key(["read"]), key(["ingest"]), key(["read"])]);
  const connect = async (platform: string) => {
    const accountId = `${Date.now()}${randomBytes(4).readUInt32BE()}`;
    const made = await rpc(
      `${INGESTION}/CreatePlatformConnection`,
      { platformConnection: { platform, accountId, displayName: `sweep ${label}`, credentials: { accessToken: "sweep-not-a-real-token" } } },
      owner,
    );
    return { id: String((made.platformConnection as JsonObject).id), accountId };
  };
  // The spare is on another platform: the meta connection stays the tenant's only one there.
  const [connection, spareConnection] = await Promise.all([connect("meta"), connect("tiktok")]);

  const create = async (state: Lifecycle) => {
    const res = await rpc(
      `${CAMPAIGN}/CreateCampaign`,
      {
        campaign: {
          name: uniqueName(`Sweep ${label} ${state} `),
          description: "sweep fixture",
          type: "CAMPAIGN_TYPE_PROMOTION",
          platforms: ["meta"],
          currencyCode: "USD",
          budgetMicros: "1000000000",
          timeZone: "UTC",
          endTime: hourFromNow(24 * 30),
          platformLinks: [{ platform: "meta", accountId: connection.accountId, externalCampaignIds: [`sweep-${state}`] }],
        },
      },
      owner,
    );
    const id = String((res.campaign as JsonObject).id);
    const step = async (verb: string) => rpc(`${CAMPAIGN}/${verb}Campaign`, { id }, owner);
    if (state === "active" || state === "paused" || state === "completed") await step("Launch");
    if (state === "paused") await step("Pause");
    if (state === "completed") await step("Complete");
    if (state === "cancelled" || state === "deleted") await step("Cancel");
    if (state === "deleted") await step("Delete");
    return id;
  };
  const campaigns = {} as Record<Lifecycle, string>;
  for (const state of ["draft", "active", "paused", "completed", "cancelled", "deleted"] as const) campaigns[state] = await create(state);
  // One conversion action for DeleteConversionAction's valid request (rpc-specs.ts).
  await rpc(
    `${CAMPAIGN}/CreateConversionAction`,
    { conversionAction: { displayName: "Sweep purchase", category: "CONVERSION_ACTION_CATEGORY_PURCHASE" }, conversionActionId: SWEEP_ACTION },
    owner,
  );
  const fetched = await rpc(
    `${INGESTION}/FetchPlatformData`,
    { campaignId: campaigns.active, platforms: ["meta"], startDate: today(), endDate: today() },
    owner,
  );
  return {
    tenantId,
    ownerId: String((reg.user as JsonObject).id),
    ownerEmail,
    password: PASSWORD,
    tokens,
    serviceToken: await services.issueServiceToken("sweep", tenantId),
    apiKeys: { read: String(readKey.secret), ingest: String(ingestKey.secret) },
    campaigns,
    connection,
    fetchJobId: String((fetched.job as JsonObject).id),
    spare: { apiKeyId: String((spareKey.apiKey as JsonObject).id), connectionId: spareConnection.id },
  };
}

/** VerifyApiKey's input for a key: the SHA-256 of its secret, base64 as proto3 JSON writes bytes. */
export const apiKeyHash = (secret: string) => apiKeySecretHash(secret).toString("base64");

export async function createFixtures(contract: Contract, grpc: GrpcTransport, stateChangingRpcs: string[]): Promise<Fixtures> {
  const rpc = jsonCaller(contract, grpc);
  const [victim, attacker, fuzz] = await Promise.all(["a", "b", "f"].map((l) => tenant(rpc, l)));
  const fuzzOf: Record<string, Tenant> = {};
  for (let i = 0; i < stateChangingRpcs.length; i += 4) {
    await Promise.all(stateChangingRpcs.slice(i, i + 4).map(async (id) => (fuzzOf[id] = await tenant(rpc, `f-${id.split("/")[1]!.toLowerCase()}`, false))));
  }
  const firstPage = (orderBy: string) => rpc(`${CAMPAIGN}/ListCampaigns`, { pageSize: 1, filter: LIST_FILTER, orderBy }, fuzz!.tokens.OWNER);
  const [page, foreign] = await Promise.all([firstPage(LIST_ORDER), firstPage("name")]);
  if (!page.nextPageToken || !foreign.nextPageToken) throw new Error("ListCampaigns with page_size 1 over 5 campaigns gave no next_page_token");

  // A key of A's, deleted: refused like any unknown key.
  const doomed = await rpc(`${ID}/CreateApiKey`, { displayName: "sweep deleted", scopes: [SCOPE_ENUM.read, SCOPE_ENUM.ingest] }, victim!.tokens.OWNER);
  await rpc(`${ID}/DeleteApiKey`, { id: (doomed.apiKey as JsonObject).id! }, victim!.tokens.OWNER);

  const claims = { tenantId: victim!.tenantId, userId: victim!.ownerId, role: "OWNER" as const };
  const wrongKey = await createTokenService({ secret: `not-the-tally-secret-${randomBytes(16).toString("hex")}` }).issueUserToken(claims);
  const expired = await createTokenService({ secret: stack.jwtSecret, userTokenTtlSeconds: 60, now: () => new Date(Date.now() - 3_600_000) }).issueUserToken(
    claims,
  );
  const [, payload] = victim!.tokens.OWNER.split(".");
  const algNone = `${Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url")}.${payload}.`;

  return {
    victim: victim!,
    attacker: attacker!,
    fuzz: fuzz!,
    fuzzOf,
    badCredentials: {
      none: undefined,
      garbage: "garbage",
      // Well-formed (prefix and checksum right), so it is looked up, and unknown.
      "fake-api-key": generateApiKeySecret(),
      "deleted-api-key": String(doomed.secret),
      "alg-none": algNone,
      "wrong-key": wrongKey.token,
      expired: expired.token,
    },
    pageToken: String(page.nextPageToken),
    foreignPageToken: String(foreign.nextPageToken),
    close() {},
  };
}
