/** Campaigns and their lifecycle rules. Pure: no generated code, no knex, no Kafka. */

export const CAMPAIGN_STATUSES = ["DRAFT", "ACTIVE", "PAUSED", "COMPLETED", "CANCELLED"] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

export const CAMPAIGN_TYPES = ["PROMOTION", "LOYALTY", "COUPON", "SEGMENTATION", "RETARGETING"] as const;
export type CampaignType = (typeof CAMPAIGN_TYPES)[number];

export const CHANNELS = ["SEARCH", "SOCIAL", "DISPLAY", "VIDEO", "EMAIL", "SMS", "PUSH"] as const;
export type Channel = (typeof CHANNELS)[number];

/** What a client may set on a campaign. Unknown enum values arrive as "UNSPECIFIED" and fail validation. */
export interface CampaignFields {
  name: string;
  description: string;
  type: CampaignType | "UNSPECIFIED";
  channels: (Channel | "UNSPECIFIED")[];
  platforms: string[];
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
  /** Bumped by every change; the etag is derived from it. */
  version: number;
}

export type CampaignEventType = "CREATED" | "UPDATED" | "LAUNCHED" | "PAUSED" | "RESUMED" | "COMPLETED" | "CANCELLED" | "DELETED";

export type LifecycleAction = "launch" | "pause" | "resume" | "complete" | "cancel";

interface Transition {
  from: readonly CampaignStatus[];
  to: CampaignStatus;
  event: CampaignEventType;
}

/** DRAFT → ACTIVE ⇄ PAUSED; ACTIVE|PAUSED → COMPLETED; DRAFT|ACTIVE|PAUSED → CANCELLED. */
export const TRANSITIONS: Record<LifecycleAction, Transition> = {
  launch: { from: ["DRAFT"], to: "ACTIVE", event: "LAUNCHED" },
  pause: { from: ["ACTIVE"], to: "PAUSED", event: "PAUSED" },
  resume: { from: ["PAUSED"], to: "ACTIVE", event: "RESUMED" },
  complete: { from: ["ACTIVE", "PAUSED"], to: "COMPLETED", event: "COMPLETED" },
  cancel: { from: ["DRAFT", "ACTIVE", "PAUSED"], to: "CANCELLED", event: "CANCELLED" },
};

export const UPDATABLE_STATUSES: readonly CampaignStatus[] = ["DRAFT", "PAUSED"];
export const DELETABLE_STATUSES: readonly CampaignStatus[] = ["DRAFT", "COMPLETED", "CANCELLED"];

/** Fields an update_mask may name, by their proto (snake_case) path. */
export const MUTABLE_FIELDS = {
  name: "name",
  description: "description",
  type: "type",
  channels: "channels",
  platforms: "platforms",
  currency_code: "currencyCode",
  budget_micros: "budgetMicros",
  time_zone: "timeZone",
  start_time: "startTime",
  end_time: "endTime",
} as const satisfies Record<string, keyof CampaignFields>;

export type MutablePath = keyof typeof MUTABLE_FIELDS;

/** Money and reporting are defined by these; once a campaign has run they must stay put. */
export const FROZEN_AFTER_LAUNCH: readonly MutablePath[] = ["time_zone", "currency_code"];

export const etagOf = (c: Pick<Campaign, "version">): string => `"${c.version}"`;
