/**
 * What the contract (DESIGN §2) says about each RPC, as far as the sweep needs it: who may call it,
 * a valid request against a tenant, whether it changes state, and what another tenant must get.
 * The sweep fails when an RPC of the descriptor set has no entry here (and when an entry names an
 * RPC that is gone), so a new RPC is swept from the day it is added to proto/.
 *
 * Adding an RPC: one entry keyed "package.Service/Method" with
 *   - minRole: the least role of its policy ("PUBLIC" for none, "SERVICE" for service credentials
 *     only); scope: the API key scope it admits ("read"/"ingest"), if any — every other credential
 *     kind, each lower role and each key without the scope then gets its own case automatically;
 *   - mutates: whether it changes state (its fuzz cases then run one at a time in a tenant of their
 *     own, each refused one checked for leftovers);
 *   - otherTenant: what tenant B's OWNER gets naming tenant A's resources;
 *   - valid(t, u): a request that succeeds for tenant t's OWNER (or t's service credential), in
 *     proto3 JSON; name the fixture resources of `t` (fixtures.ts: campaigns in every state, the
 *     platform connection, a fetch job, API keys, spare resources for Delete RPCs); `u` is unique per
 *     case. If it needs a resource the fixtures lack, add it to Tenant in fixtures.ts.
 * The fuzz values follow from the request's descriptor (fuzz-values.ts) and the REST request from
 * its google.api.http rule (rest-transport.ts); nothing else needs changing.
 */
import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import type { Role, Scope } from "#common/auth.js";
import { apiKeyHash, LIST_FILTER, LIST_ORDER, SWEEP_ACTION, type Tenant } from "./fixtures.js";

export type OtherTenantRule =
  /** Tenant B naming tenant A's resource: NOT_FOUND / 404, as if it did not exist. */
  | "NOT_FOUND"
  /** Per-item receipts: OK, every item REJECTED. */
  | "REJECTED_RECEIPTS"
  /** No resource in the request: any non-5xx answer, and none of tenant A's ids in it. */
  | "NO_LEAK";

export interface RpcSpec {
  /** "PUBLIC": no credential needed (Register, Login); "SERVICE": Tally's own services only (internal RPCs). */
  minRole: Role | "PUBLIC" | "SERVICE";
  /** The API key scope that admits it (services/common/src/auth.ts policies `read`, `ingest`); none: no key may call it. */
  scope?: Scope;
  /** Answers UNIMPLEMENTED today (README, "What is there today"); UNIMPLEMENTED / 501 is then expected. */
  unimplemented?: boolean;
  /** Changes state: its rejected cases run one at a time and are checked for leftovers. */
  mutates: boolean;
  otherTenant: OtherTenantRule;
  /** A valid request against tenant t, in proto3 JSON; `u` is unique per case. */
  valid(t: Tenant, u: string): JsonObject;
  /** For an OK answer: the server refused the input anyway (per-item receipts). */
  refusedInBody?(res: JsonValue): boolean;
  /** Creates an account: after a refusal, logging in with the request's email and password must fail. */
  createsLogin?: boolean;
  /** OUTPUT_ONLY fields this RPC reads as input (UpdateCampaign names its campaign by campaign.id). */
  inputPaths?: string[];
  /** Makes a fuzzed field take effect (UpdateCampaign applies only the fields in its mask). */
  focus?(req: JsonObject, jsonPath: string[]): void;
}

const iso = (msFromNow: number) => new Date(Date.now() + msFromNow).toISOString();
const day = (daysFromNow: number) => iso(daysFromNow * 86_400_000).slice(0, 10);

const campaign = (u: string): JsonObject => ({
  name: `Sweep ${u}`,
  description: "swept",
  type: "CAMPAIGN_TYPE_PROMOTION",
  channels: ["CHANNEL_SEARCH"],
  platforms: ["meta"],
  currencyCode: "USD",
  budgetMicros: "1000000",
  timeZone: "UTC",
  startTime: iso(86_400_000),
  endTime: iso(10 * 86_400_000),
});

const event = (t: Tenant, u: string): JsonObject => ({
  eventId: `sweep-${u}`,
  campaignId: t.campaigns.active,
  type: "EVENT_TYPE_CONVERSION",
  platform: "meta",
  region: "US",
  occurTime: iso(-60_000),
  valueMicros: "1000",
  costMicros: "10",
  currencyCode: "USD",
  userAgent: "Mozilla/5.0 (X11; Linux x86_64) sweep",
  attributes: { source: "sweep" },
});

const receipts = (res: JsonValue): JsonValue[] => ((res as JsonObject | null)?.receipts as JsonValue[] | undefined) ?? [];
const allRejected = (res: JsonValue) => receipts(res).length > 0 && receipts(res).every((r) => (r as JsonObject).status === "RECEIPT_STATUS_REJECTED");
const noneAccepted = (res: JsonValue) => {
  const counts = ((res as JsonObject | null)?.counts ?? {}) as JsonObject;
  return Number(counts.accepted ?? 0) === 0 && Number(counts.filtered ?? 0) === 0 && Number(counts.rejected ?? 0) > 0;
};

const reportRow = (t: Tenant): JsonObject => ({
  campaignId: t.campaigns.active,
  platform: "meta",
  region: "US",
  date: day(-1),
  hour: 3,
  impressions: "10",
  clicks: "1",
  conversions: "0",
  costMicros: "1000",
  revenueMicros: "0",
  currencyCode: "USD",
  reportTime: iso(-60_000),
});

const lifecycle = (state: keyof Tenant["campaigns"]): RpcSpec => ({
  minRole: "EDITOR",
  mutates: true,
  otherTenant: "NOT_FOUND",
  valid: (t) => ({ id: t.campaigns[state] }),
});

export const RPC_SPECS: Record<string, RpcSpec> = {
  "tally.identity.v1.IdentityService/Register": {
    minRole: "PUBLIC",
    mutates: true,
    createsLogin: true,
    otherTenant: "NO_LEAK",
    valid: (_t, u) => ({ email: `sweep-reg-${u}@example.com`, password: "sweep password 123", organizationName: `Sweep org ${u}` }),
  },
  "tally.identity.v1.IdentityService/Login": {
    minRole: "PUBLIC",
    mutates: false,
    otherTenant: "NO_LEAK",
    valid: (t) => ({ email: t.ownerEmail, password: t.password }),
  },
  "tally.identity.v1.IdentityService/CreateUser": {
    minRole: "OWNER",
    mutates: true,
    createsLogin: true,
    otherTenant: "NO_LEAK",
    valid: (_t, u) => ({ email: `sweep-user-${u}@example.com`, password: "sweep password 123", role: "ROLE_VIEWER" }),
  },
  "tally.identity.v1.IdentityService/CreateApiKey": {
    minRole: "OWNER",
    mutates: true,
    otherTenant: "NO_LEAK",
    valid: (_t, u) => ({ displayName: `sweep ${u}`, scopes: ["API_KEY_SCOPE_READ"] }),
  },
  "tally.identity.v1.IdentityService/ListApiKeys": {
    minRole: "OWNER",
    mutates: false,
    otherTenant: "NO_LEAK",
    valid: () => ({ pageSize: 10, pageToken: "" }),
  },
  "tally.identity.v1.IdentityService/DeleteApiKey": {
    minRole: "OWNER",
    mutates: true,
    otherTenant: "NOT_FOUND",
    valid: (t) => ({ id: t.spare.apiKeyId }),
  },
  "tally.identity.v1.ApiKeyVerificationService/VerifyApiKey": {
    // Internal: other services ask here with their service credential; user tokens and API keys are refused.
    minRole: "SERVICE",
    mutates: false,
    otherTenant: "NO_LEAK",
    valid: (t) => ({ secretSha256: apiKeyHash(t.apiKeys.read) }),
  },
  "tally.campaign.v1.CampaignService/CreateCampaign": {
    minRole: "EDITOR",
    mutates: true,
    otherTenant: "NO_LEAK",
    valid: (_t, u) => ({ campaign: campaign(u), requestId: `sweep-${u}` }),
  },
  "tally.campaign.v1.CampaignService/GetCampaign": {
    minRole: "VIEWER",
    scope: "read",
    mutates: false,
    otherTenant: "NOT_FOUND",
    valid: (t) => ({ id: t.campaigns.active }),
  },
  "tally.campaign.v1.CampaignService/ListCampaigns": {
    minRole: "VIEWER",
    scope: "read",
    mutates: false,
    otherTenant: "NO_LEAK",
    valid: () => ({ pageSize: 10, pageToken: "", filter: LIST_FILTER, orderBy: LIST_ORDER }),
  },
  "tally.campaign.v1.CampaignService/UpdateCampaign": {
    minRole: "EDITOR",
    mutates: true,
    otherTenant: "NOT_FOUND",
    inputPaths: ["campaign.id"],
    valid: (t, u) => ({ campaign: { id: t.campaigns.draft, description: `updated ${u}` }, updateMask: "description" }),
    focus(req, path) {
      // A field outside the mask is ignored by design; put the fuzzed one in the mask.
      if (path[0] === "campaign" && path.length > 1 && path[1] !== "id") req.updateMask = snake(path[1]!);
    },
  },
  "tally.campaign.v1.CampaignService/DeleteCampaign": lifecycle("cancelled"),
  "tally.campaign.v1.CampaignService/LaunchCampaign": lifecycle("draft"),
  "tally.campaign.v1.CampaignService/PauseCampaign": lifecycle("active"),
  "tally.campaign.v1.CampaignService/ResumeCampaign": lifecycle("paused"),
  "tally.campaign.v1.CampaignService/CompleteCampaign": lifecycle("active"),
  "tally.campaign.v1.CampaignService/CancelCampaign": lifecycle("draft"),
  "tally.campaign.v1.CampaignService/UndeleteCampaign": lifecycle("deleted"),
  "tally.campaign.v1.CampaignService/CreateConversionAction": {
    minRole: "EDITOR",
    mutates: true,
    otherTenant: "NO_LEAK",
    valid: (_t, u) => ({ conversionAction: { displayName: `Sweep ${u}`, category: "CONVERSION_ACTION_CATEGORY_LEAD" }, conversionActionId: "" }),
  },
  "tally.campaign.v1.CampaignService/ListConversionActions": {
    minRole: "VIEWER",
    scope: "read",
    mutates: false,
    otherTenant: "NO_LEAK",
    valid: () => ({ pageSize: 10, pageToken: "" }),
  },
  "tally.campaign.v1.CampaignService/DeleteConversionAction": {
    minRole: "EDITOR",
    mutates: true,
    otherTenant: "NOT_FOUND",
    valid: () => ({ id: SWEEP_ACTION }),
  },
  "tally.analytics.v1.CampaignSpendService/GetCampaignSpend": {
    minRole: "SERVICE",
    mutates: false,
    // The tenant is the credential's: another tenant's campaign id reads as one without data.
    otherTenant: "NO_LEAK",
    valid: (t) => ({ campaignId: t.campaigns.active, budgetMicros: "1000000000", timeZone: "UTC" }),
  },
  "tally.ingestion.v1.IngestionService/IngestEvents": {
    minRole: "EDITOR",
    scope: "ingest",
    mutates: true,
    otherTenant: "REJECTED_RECEIPTS",
    valid: (t, u) => ({ events: [event(t, u)] }),
    refusedInBody: allRejected,
  },
  "tally.ingestion.v1.IngestionService/StreamEvents": {
    minRole: "EDITOR",
    scope: "ingest",
    mutates: true,
    otherTenant: "REJECTED_RECEIPTS",
    valid: (t, u) => ({ events: [event(t, u)] }),
    refusedInBody: noneAccepted,
  },
  "tally.ingestion.v1.IngestionService/IngestPlatformReport": {
    minRole: "EDITOR",
    scope: "ingest",
    mutates: true,
    otherTenant: "REJECTED_RECEIPTS",
    valid: (t) => ({ rows: [reportRow(t)] }),
    refusedInBody: allRejected,
  },
  "tally.ingestion.v1.IngestionService/FetchPlatformData": {
    minRole: "EDITOR",
    mutates: true,
    otherTenant: "NOT_FOUND",
    valid: (t) => ({ campaignId: t.campaigns.active, platforms: ["meta"], startDate: day(-7), endDate: day(0) }),
  },
  "tally.ingestion.v1.IngestionService/GetPlatformFetchJob": {
    minRole: "EDITOR",
    mutates: false,
    otherTenant: "NOT_FOUND",
    valid: (t) => ({ id: t.fetchJobId }),
  },
  "tally.ingestion.v1.IngestionService/CreatePlatformConnection": {
    minRole: "OWNER",
    mutates: true,
    otherTenant: "NO_LEAK",
    valid: (_t, u) => ({
      platformConnection: {
        platform: "meta",
        accountId: `sweep-${u}`,
        displayName: `Sweep ${u}`,
        credentials: { accessToken: "sweep-not-a-real-token" },
      },
    }),
  },
  "tally.ingestion.v1.IngestionService/GetPlatformConnection": {
    minRole: "EDITOR",
    mutates: false,
    otherTenant: "NOT_FOUND",
    valid: (t) => ({ id: t.connection.id }),
  },
  "tally.ingestion.v1.IngestionService/ListPlatformConnections": {
    minRole: "EDITOR",
    mutates: false,
    otherTenant: "NO_LEAK",
    valid: () => ({ pageSize: 10, pageToken: "" }),
  },
  "tally.ingestion.v1.IngestionService/DeletePlatformConnection": {
    minRole: "OWNER",
    mutates: true,
    otherTenant: "NOT_FOUND",
    valid: (t) => ({ id: t.spare.connectionId }),
  },
  "tally.analytics.v1.AnalyticsService/GetCampaignInsights": {
    minRole: "VIEWER",
    scope: "read",
    mutates: false,
    otherTenant: "NOT_FOUND",
    valid: (t) => ({
      campaignId: t.campaigns.active,
      startDate: day(-7),
      endDate: day(0),
      granularity: "GRANULARITY_DAY",
      platforms: ["meta"],
      regions: ["US"],
      breakdowns: ["DIMENSION_PLATFORM"],
      timeZone: "UTC",
    }),
  },
  "tally.analytics.v1.AnalyticsService/ListCampaignPerformance": {
    minRole: "VIEWER",
    scope: "read",
    mutates: false,
    // Another tenant's ids come back in unknown_campaign_ids (the ids it sent), with no rows of them.
    otherTenant: "NO_LEAK",
    valid: (t) => ({
      campaignIds: [t.campaigns.active, t.campaigns.paused],
      startDate: day(-7),
      endDate: day(0),
      orderBy: "impressions desc",
      pageSize: 10,
      pageToken: "",
    }),
  },
  "tally.analytics.v1.AnalyticsService/StreamCampaignMetrics": {
    minRole: "VIEWER",
    scope: "read",
    mutates: false,
    otherTenant: "NOT_FOUND",
    valid: (t) => ({ campaignId: t.campaigns.active, startDate: day(-1), timeZone: "UTC" }),
  },
  "tally.analytics.v1.AnalyticsService/GetCampaignSourceComparison": {
    minRole: "VIEWER",
    scope: "read",
    mutates: false,
    otherTenant: "NOT_FOUND",
    valid: (t) => ({ campaignId: t.campaigns.active, startDate: day(-7), endDate: day(0), platforms: ["meta"], timeZone: "UTC" }),
  },
  "tally.analytics.v1.AnalyticsService/ReaggregateCampaign": {
    minRole: "EDITOR",
    mutates: true,
    otherTenant: "NOT_FOUND",
    valid: (t) => ({ campaignId: t.campaigns.active, startDate: day(-1), endDate: day(0) }),
  },
};

function snake(jsonName: string): string {
  return jsonName.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}
