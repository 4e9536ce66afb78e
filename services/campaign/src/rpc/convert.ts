/** Conversions between the generated proto types and the campaign service's domain. */
import { Campaign as PbCampaign, CampaignStatus, CampaignType, Channel } from "#gen/tally/campaign/v1/campaign.js";
import {
  ApiKeyScope,
  Role as PbRole,
  type ApiKey as PbApiKey,
  type Organization as PbOrganization,
  type User as PbUser,
} from "#gen/tally/identity/v1/identity.js";
import type { Role, Scope } from "#common/auth.js";
import type { ApiKey, ScopeInput } from "../domain/api-keys.js";
import { etagOf, type Campaign, type CampaignFields } from "../domain/campaign.js";
import type { Organization, User } from "../domain/identity-service.js";

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

export function campaignToProto(c: Campaign): PbCampaign {
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
