import { parseScopes } from "#common/api-keys/scopes.js";
import type { ApiKey } from "../domain/api-keys.js";
import type { Campaign, PlatformCampaignLink } from "../domain/campaign.js";
import type { User } from "../domain/identity-service.js";

/** A row of campaign.campaigns as pg returns it (bigint as string). */
export interface CampaignRow {
  id: string;
  organization_id: string;
  name: string;
  description: string;
  status: string;
  type: string;
  channels: string[];
  platforms: string[];
  /** jsonb: pg parses it on read; written as JSON text (a JS array would become a Postgres array). */
  platform_links: PlatformCampaignLink[] | string;
  currency_code: string;
  budget_micros: string;
  time_zone: string;
  start_time: Date | null;
  end_time: Date | null;
  create_time: Date;
  update_time: Date;
  launch_time: Date | null;
  delete_time: Date | null;
  version: number;
}

export interface UserRow {
  id: string;
  organization_id: string;
  email: string;
  password_hash: string;
  role: string;
  create_time: Date;
}

export function campaignFromRow(r: CampaignRow): Campaign {
  return {
    id: r.id,
    tenantId: r.organization_id,
    name: r.name,
    description: r.description,
    status: r.status as Campaign["status"],
    type: r.type as Campaign["type"],
    channels: r.channels as Campaign["channels"],
    platforms: r.platforms,
    platformLinks: typeof r.platform_links === "string" ? (JSON.parse(r.platform_links) as PlatformCampaignLink[]) : r.platform_links,
    currencyCode: r.currency_code,
    budgetMicros: r.budget_micros,
    timeZone: r.time_zone,
    startTime: r.start_time,
    endTime: r.end_time,
    createTime: r.create_time,
    updateTime: r.update_time,
    launchTime: r.launch_time,
    deleteTime: r.delete_time,
    version: r.version,
  };
}

export function campaignToRow(c: Campaign): CampaignRow {
  return {
    id: c.id,
    organization_id: c.tenantId,
    name: c.name,
    description: c.description,
    status: c.status,
    type: c.type,
    channels: c.channels,
    platforms: c.platforms,
    platform_links: JSON.stringify(c.platformLinks),
    currency_code: c.currencyCode,
    budget_micros: c.budgetMicros,
    time_zone: c.timeZone,
    start_time: c.startTime,
    end_time: c.endTime,
    create_time: c.createTime,
    update_time: c.updateTime,
    launch_time: c.launchTime,
    delete_time: c.deleteTime,
    version: c.version,
  };
}

export function userFromRow(r: UserRow): User {
  return { id: r.id, organizationId: r.organization_id, email: r.email, role: r.role as User["role"], createTime: r.create_time };
}

/** Postgres unique_violation on the named constraint or index. */
export function isUniqueViolation(err: unknown, constraint: string): boolean {
  const e = err as { code?: string; constraint?: string };
  return e.code === "23505" && e.constraint === constraint;
}

/** A row of campaign.api_keys (secret_hash: hex SHA-256 of the secret). */
export interface ApiKeyRow {
  id: string;
  organization_id: string;
  display_name: string;
  scopes: string[];
  secret_hash: string;
  secret_prefix: string;
  create_time: Date;
  delete_time: Date | null;
  last_use_time: Date | null;
}

export function apiKeyFromRow(r: ApiKeyRow): ApiKey {
  return {
    id: r.id,
    tenantId: r.organization_id,
    displayName: r.display_name,
    scopes: parseScopes(r.scopes),
    secretPrefix: r.secret_prefix,
    createTime: r.create_time,
    lastUseTime: r.last_use_time,
  };
}
