/**
 * The sweep's world, built through the public API: a victim tenant A (campaigns in every lifecycle
 * state, users of every role), an attacker tenant B, and a fuzz tenant F whose data the fuzz cases
 * may change. Credentials of every kind are minted here, with the project's own token format
 * (services/common/src/auth.ts) so that only the one property under test is wrong.
 */
import { credentials } from "@grpc/grpc-js";
import { randomBytes } from "node:crypto";
import { CampaignServiceClient } from "#gen/tally/campaign/v1/campaign_service.js";
import { CampaignType } from "#gen/tally/campaign/v1/campaign.js";
import { ConversionActionCategory } from "#gen/tally/campaign/v1/conversion_action.js";
import { IdentityServiceClient, Role as ProtoRole } from "#gen/tally/identity/v1/identity.js";
import { ADDRS } from "../../../scripts/dev/processes.js";
import { createTokenService, type Role } from "#common/auth.js";
import { call } from "../../support/grpc.js";
import { stack, uniqueName } from "../../support/stack.js";

export type Lifecycle = "draft" | "active" | "paused" | "completed" | "cancelled" | "deleted";

export interface Tenant {
  tenantId: string;
  ownerId: string;
  ownerEmail: string;
  password: string;
  tokens: Record<Role, string>;
  /** A service credential for the tenant (what Tally's services call internal RPCs with). */
  serviceToken: string;
  campaigns: Record<Lifecycle, string>;
}

export type CredentialKind = "none" | "garbage" | "fake-api-key" | "alg-none" | "wrong-key" | "expired";

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
  /** Credentials that must all get UNAUTHENTICATED; each names tenant A's OWNER where it names anyone. */
  badCredentials: Record<CredentialKind, string | undefined>;
  /** A real next_page_token of ListCampaigns' valid request in rpc-specs.ts (page_size 1), tenant F. */
  pageToken: string;
  /** A real next_page_token of a different ListCampaigns request (ordered by name). */
  foreignPageToken: string;
  campaignClient: CampaignServiceClient;
  close(): void;
}

const PASSWORD = "sweep password 123";
/** ListCampaigns' valid request (rpc-specs.ts) filters and orders like this, so its page tokens fit it. */
export const LIST_FILTER = 'name:"sweep"';
export const LIST_ORDER = "create_time desc";
/** The conversion action every fixture tenant has. */
export const SWEEP_ACTION = "sweep_purchase";
const hourFromNow = (h: number) => new Date(Date.now() + h * 3_600_000);

async function tenant(identity: IdentityServiceClient, campaigns: CampaignServiceClient, label: string, withUsers = true): Promise<Tenant> {
  const ownerEmail = `${uniqueName(`sweep-${label}-`)}@example.com`;
  const reg = await call(identity, identity.register, { email: ownerEmail, password: PASSWORD, organizationName: `Sweep ${label}` });
  const owner = reg.accessToken;
  const tokens = { OWNER: owner } as Record<Role, string>;
  for (const [role, proto] of withUsers
    ? ([
        ["EDITOR", ProtoRole.ROLE_EDITOR],
        ["VIEWER", ProtoRole.ROLE_VIEWER],
      ] as const)
    : []) {
    const email = `${uniqueName(`sweep-${label}-${role.toLowerCase()}-`)}@example.com`;
    await call(identity, identity.createUser, { email, password: PASSWORD, role: proto }, owner);
    tokens[role] = (await call(identity, identity.login, { email, password: PASSWORD })).accessToken;
  }
  const create = async (state: Lifecycle) => {
    const res = await call(
      campaigns,
      campaigns.createCampaign,
      {
        campaign: {
          id: "",
          name: uniqueName(`Sweep ${label} ${state} `),
          description: "sweep fixture",
          status: 0,
          type: CampaignType.CAMPAIGN_TYPE_PROMOTION,
          channels: [],
          platforms: ["meta"],
          currencyCode: "USD",
          budgetMicros: "1000000000",
          timeZone: "UTC",
          startTime: undefined,
          endTime: hourFromNow(24 * 30),
          createTime: undefined,
          updateTime: undefined,
          launchTime: undefined,
          etag: "",
          platformLinks: [],
        },
        requestId: "",
      },
      owner,
    );
    const id = res.campaign!.id;
    const step = async (m: typeof campaigns.launchCampaign) => call(campaigns, m, { id, etag: "" }, owner);
    if (state === "active" || state === "paused" || state === "completed") await step(campaigns.launchCampaign);
    if (state === "paused") await step(campaigns.pauseCampaign);
    if (state === "completed") await step(campaigns.completeCampaign);
    if (state === "cancelled" || state === "deleted") await step(campaigns.cancelCampaign);
    if (state === "deleted") await step(campaigns.deleteCampaign);
    return id;
  };
  const ids = {} as Record<Lifecycle, string>;
  for (const state of ["draft", "active", "paused", "completed", "cancelled", "deleted"] as const) ids[state] = await create(state);
  // One conversion action for DeleteConversionAction's valid request (rpc-specs.ts).
  await call(
    campaigns,
    campaigns.createConversionAction,
    {
      conversionAction: { id: "", displayName: "Sweep purchase", category: ConversionActionCategory.CONVERSION_ACTION_CATEGORY_PURCHASE },
      conversionActionId: SWEEP_ACTION,
    },
    owner,
  );
  const tenantId = reg.organization!.id;
  const serviceToken = await createTokenService({ secret: stack.jwtSecret }).issueServiceToken("sweep", tenantId);
  return { tenantId, ownerId: reg.user!.id, ownerEmail, password: PASSWORD, tokens, serviceToken, campaigns: ids };
}

export async function createFixtures(stateChangingRpcs: string[]): Promise<Fixtures> {
  const identity = new IdentityServiceClient(ADDRS.campaign, credentials.createInsecure());
  const campaigns = new CampaignServiceClient(ADDRS.campaign, credentials.createInsecure());
  const [victim, attacker, fuzz] = await Promise.all(["a", "b", "f"].map((l) => tenant(identity, campaigns, l)));
  const fuzzOf: Record<string, Tenant> = {};
  for (let i = 0; i < stateChangingRpcs.length; i += 4) {
    await Promise.all(
      stateChangingRpcs.slice(i, i + 4).map(async (id) => (fuzzOf[id] = await tenant(identity, campaigns, `f-${id.split("/")[1]!.toLowerCase()}`, false))),
    );
  }
  const firstPage = (orderBy: string) =>
    call(campaigns, campaigns.listCampaigns, { pageSize: 1, pageToken: "", filter: LIST_FILTER, orderBy, showDeleted: false }, fuzz!.tokens.OWNER);
  const [page, foreign] = await Promise.all([firstPage(LIST_ORDER), firstPage("name")]);
  if (!page.nextPageToken || !foreign.nextPageToken) throw new Error("ListCampaigns with page_size 1 over 5 campaigns gave no next_page_token");

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
      "fake-api-key": `tk_${randomBytes(24).toString("hex")}`,
      "alg-none": algNone,
      "wrong-key": wrongKey.token,
      expired: expired.token,
    },
    pageToken: page.nextPageToken,
    foreignPageToken: foreign.nextPageToken,
    campaignClient: campaigns,
    close() {
      identity.close();
      campaigns.close();
    },
  };
}
