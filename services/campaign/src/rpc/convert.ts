/** Conversions between the generated proto types and the campaign service's domain. */
import {
  BudgetPacingState,
  Campaign as PbCampaign,
  CampaignStatus,
  CampaignType,
  Channel,
  type CampaignSpend as PbCampaignSpend,
} from "#gen/tally/campaign/v1/campaign.js";
import {
  ApiKeyScope,
  Role as PbRole,
  type ApiKey as PbApiKey,
  type Organization as PbOrganization,
  type User as PbUser,
} from "#gen/tally/identity/v1/identity.js";
import { ConversionActionCategory, type ConversionAction as PbConversionAction } from "#gen/tally/campaign/v1/conversion_action.js";
import type { Role, Scope } from "#common/auth.js";
import type { ApiKey, ScopeInput } from "../domain/api-keys.js";
import { etagOf, type Campaign, type CampaignFields } from "../domain/campaign.js";
import type { CampaignSpendView, SpendPacingState } from "../domain/campaign-spend.js";
import type { Organization, User } from "../domain/identity-service.js";
import { CONVERSION_ACTION_CATEGORIES, type ConversionAction, type ConversionActionInput } from "../domain/conversion-actions.js";

/** `CAMPAIGN_TYPE_PROMOTION` → `PROMOTION`; unknown numbers → `UNSPECIFIED` (rejected by validation). */
function enumName(enumObj: Record<number, string>, value: number, prefix: string): string {
  const name = enumObj[value];
  return name ? name.slice(prefix.length) : "UNSPECIFIED";
}

export function fieldsFromProto(c: PbCampaign | undefined): CampaignFields {
  return {
    name: c?.name ?? "",
    description: c?.description ?? "",
    type: enumName(CampaignType, c?.type ?? 0, "CAMPAIGN_TYPE_") as CampaignFields["type"],
    channels: (c?.channels ?? []).map((ch) => enumName(Channel, ch, "CHANNEL_")) as CampaignFields["channels"],
    platforms: c?.platforms ?? [],
    platformLinks: (c?.platformLinks ?? []).map((l) => ({ platform: l.platform, accountId: l.accountId, externalCampaignIds: l.externalCampaignIds })),
    currencyCode: c?.currencyCode ?? "",
    budgetMicros: c?.budgetMicros ?? "0",
    timeZone: c?.timeZone ?? "",
    startTime: c?.startTime ?? null,
    endTime: c?.endTime ?? null,
  };
}

const PACING_STATE: Record<SpendPacingState, BudgetPacingState> = {
  ON_TRACK: BudgetPacingState.BUDGET_PACING_STATE_ON_TRACK,
  APPROACHING: BudgetPacingState.BUDGET_PACING_STATE_APPROACHING,
  EXCEEDED: BudgetPacingState.BUDGET_PACING_STATE_EXCEEDED,
};

export function spendToProto(s: CampaignSpendView): PbCampaignSpend {
  if (!s.available) return { available: false, spendMicros: "0", pacingState: BudgetPacingState.BUDGET_PACING_STATE_UNSPECIFIED, unavailableReason: s.reason };
  return {
    available: true,
    spendMicros: s.spendMicros,
    budgetUtilization: s.budgetUtilization,
    pacingState: s.state ? PACING_STATE[s.state] : BudgetPacingState.BUDGET_PACING_STATE_UNSPECIFIED,
    unavailableReason: "",
  };
}

/** spend: GetCampaign's only; every other response leaves Campaign.spend unset. */
export function campaignToProto(c: Campaign, spend?: CampaignSpendView): PbCampaign {
  return {
    id: c.id,
    name: c.name,
    description: c.description,
    status: CampaignStatus[`CAMPAIGN_STATUS_${c.status}`],
    type: CampaignType[`CAMPAIGN_TYPE_${c.type}`],
    channels: c.channels.map((ch) => Channel[`CHANNEL_${ch}`]),
    platforms: c.platforms,
    platformLinks: c.platformLinks.map((l) => ({ platform: l.platform, accountId: l.accountId, externalCampaignIds: l.externalCampaignIds })),
    currencyCode: c.currencyCode,
    budgetMicros: c.budgetMicros,
    timeZone: c.timeZone,
    startTime: c.startTime ?? undefined,
    endTime: c.endTime ?? undefined,
    createTime: c.createTime,
    updateTime: c.updateTime,
    launchTime: c.launchTime ?? undefined,
    deleteTime: c.deleteTime ?? undefined,
    etag: etagOf(c),
    spend: spend && spendToProto(spend),
  };
}

export const roleFromProto = (r: PbRole): Role | "UNSPECIFIED" => enumName(PbRole, r, "ROLE_") as Role | "UNSPECIFIED";

export const userToProto = (u: User): PbUser => ({
  id: u.id,
  organizationId: u.organizationId,
  email: u.email,
  role: PbRole[`ROLE_${u.role}`],
  createTime: u.createTime,
});

export const organizationToProto = (o: Organization): PbOrganization => ({ id: o.id, name: o.name, createTime: o.createTime });

const SCOPES: Record<Scope, ApiKeyScope> = { ingest: ApiKeyScope.API_KEY_SCOPE_INGEST, read: ApiKeyScope.API_KEY_SCOPE_READ };

const SCOPE_OF: Partial<Record<ApiKeyScope, Scope>> = { [ApiKeyScope.API_KEY_SCOPE_INGEST]: "ingest", [ApiKeyScope.API_KEY_SCOPE_READ]: "read" };

/** Unknown and unset numbers → UNSPECIFIED (refused by validation). */
export const scopeFromProto = (s: ApiKeyScope): ScopeInput => SCOPE_OF[s] ?? "UNSPECIFIED";

/** The key as listed: never its secret, only the prefix that recognises it. */
export const apiKeyToProto = (k: ApiKey): PbApiKey => ({
  id: k.id,
  displayName: k.displayName,
  scopes: k.scopes.map((s) => SCOPES[s]),
  secretPrefix: k.secretPrefix,
  createTime: k.createTime,
  lastUseTime: k.lastUseTime ?? undefined,
});

export function conversionActionInputFromProto(a: PbConversionAction | undefined, id: string): ConversionActionInput {
  const category = enumName(ConversionActionCategory, a?.category ?? 0, "CONVERSION_ACTION_CATEGORY_");
  return {
    displayName: a?.displayName ?? "",
    category: (CONVERSION_ACTION_CATEGORIES as readonly string[]).includes(category) ? (category as ConversionActionInput["category"]) : null,
    id,
  };
}

export const conversionActionToProto = (a: ConversionAction): PbConversionAction => ({
  id: a.id,
  displayName: a.displayName,
  category: ConversionActionCategory[`CONVERSION_ACTION_CATEGORY_${a.category}`],
  createTime: a.createTime,
});
