/** Campaigns: their fields, statuses and events. Pure: no generated code, no knex, no Kafka. The rules for
 * moving between statuses are in campaign-lifecycle.ts. */
import { formatEtag } from "#common/contract/etag.js";

export const CAMPAIGN_STATUSES = ["DRAFT", "ACTIVE", "PAUSED", "COMPLETED", "CANCELLED"] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

/** Enum values as the wire spells them (`CAMPAIGN_STATUS_ACTIVE`): messages and ErrorInfo use only these (DESIGN §2). */
export const wireStatus = (s: string) => `CAMPAIGN_STATUS_${s}`;
export const wireType = (t: string) => `CAMPAIGN_TYPE_${t}`;
export const wireChannel = (c: string) => `CHANNEL_${c}`;

export const CAMPAIGN_TYPES = ["PROMOTION", "LOYALTY", "COUPON", "SEGMENTATION", "RETARGETING"] as const;
export type CampaignType = (typeof CAMPAIGN_TYPES)[number];

export const CHANNELS = ["SEARCH", "SOCIAL", "DISPLAY", "VIDEO", "EMAIL", "SMS", "PUSH"] as const;
export type Channel = (typeof CHANNELS)[number];

/**
 * The campaigns on one ad platform that a Tally campaign covers: report rows for these external
 * ids (in the ad account accountId, or the tenant's only connection of the platform when empty) are
 * summed into the campaign's.
 */
export interface PlatformCampaignLink {
  platform: string;
  accountId: string;
  externalCampaignIds: string[];
}

/** At most this many links, and external ids per link. */
export const MAX_PLATFORM_LINKS = 20;
export const MAX_EXTERNAL_CAMPAIGN_IDS = 100;

/** What a client may set on a campaign. Unknown enum values arrive as "UNSPECIFIED" and fail validation. */
export interface CampaignFields {
  name: string;
  description: string;
  type: CampaignType | "UNSPECIFIED";
  channels: (Channel | "UNSPECIFIED")[];
  platforms: string[];
  platformLinks: PlatformCampaignLink[];
  currencyCode: string;
  budgetMicros: string;
  timeZone: string;
  startTime: Date | null;
  endTime: Date | null;
}

export interface Campaign extends Omit<CampaignFields, "type" | "channels"> {
  id: string;
  tenantId: string;
  type: CampaignType;
  channels: Channel[];
  status: CampaignStatus;
  createTime: Date;
  updateTime: Date;
  launchTime: Date | null;
  /** Set while soft-deleted (AIP-164): still readable by id, listed only on request, restorable. */
  deleteTime: Date | null;
  /** Bumped by every change; the etag is derived from it. */
  version: number;
}

export type CampaignEventType = "CREATED" | "UPDATED" | "LAUNCHED" | "PAUSED" | "RESUMED" | "COMPLETED" | "CANCELLED" | "DELETED" | "UNDELETED";

/** Fields an update_mask may name, by their proto (snake_case) path. */
export const MUTABLE_FIELDS = {
  name: "name",
  description: "description",
  type: "type",
  channels: "channels",
  platforms: "platforms",
  platform_links: "platformLinks",
  currency_code: "currencyCode",
  budget_micros: "budgetMicros",
  time_zone: "timeZone",
  start_time: "startTime",
  end_time: "endTime",
} as const satisfies Record<string, keyof CampaignFields>;

export type MutablePath = keyof typeof MUTABLE_FIELDS;

/** Strong and quoted (`"7"`); compared without the quotes (contract/etag.ts). */
export const etagOf = (c: Pick<Campaign, "version">): string => formatEtag(c.version);
