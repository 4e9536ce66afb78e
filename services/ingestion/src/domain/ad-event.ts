/**
 * The ingestion domain's picture of an event: what a client sent (IncomingEvent), what survives
 * validation (ValidEvent) and what is published for the aggregator (EventRecord).
 * Plain data only; rpc/convert.ts and publish/ map it to and from protobuf.
 */
import type { EventKind } from "#common/contract/event-type.js";

export type { EventKind };

export interface IncomingEvent {
  eventId: string;
  campaignId: string;
  /** null when the client sent UNSPECIFIED or a number this build does not know. */
  type: EventKind | null;
  platform: string;
  region: string;
  occurTime: Date | null;
  valueMicros: bigint;
  costMicros: bigint;
  currencyCode: string;
  userAgent: string;
  ip: string;
  attributes: Record<string, string>;
  /** As sent: "" for none; checked as a slug (not against the tenant's actions: contract/conversion-action.ts). */
  conversionAction: string;
  /**
   * The first problem the shared input boundary found in this event (NUL, invalid UTF-8, a cap,
   * a range), if any: the event is then REJECTED on that field, and its batch goes on.
   */
  inputProblem?: { field: string; description: string } | null;
}

/** An event whose own fields are valid and normalised; campaign checks are still ahead. */
export interface ValidEvent {
  eventId: string;
  campaignId: string;
  type: EventKind;
  /** Lowercase slug. */
  platform: string;
  /** Uppercase ISO 3166-1 alpha-2, or ZZ. */
  region: string;
  occurTime: Date;
  valueMicros: bigint;
  costMicros: bigint;
  /** Uppercased; "" when the client left it to the campaign. */
  currencyCode: string;
  userAgent: string;
  ip: string;
  attributes: Record<string, string>;
  /** Lowercase slug; "" for none (always "" unless type is CONVERSION). */
  conversionAction: string;
}

/**
 * What goes to the `ad-events` topic. user_agent and ip are deliberately absent: they serve the
 * bot filter and are never stored.
 */
export interface EventRecord {
  tenantId: string;
  eventId: string;
  campaignId: string;
  type: EventKind;
  platform: string;
  region: string;
  occurTime: Date;
  receiveTime: Date;
  valueMicros: bigint;
  costMicros: bigint;
  /** Always the campaign's currency. */
  currencyCode: string;
  filtered: boolean;
  filterReason: string;
  attributes: Record<string, string>;
  /** Lowercase slug of a conversion's action; "" for none. */
  conversionAction: string;
}

export type CampaignState = "DRAFT" | "ACTIVE" | "PAUSED" | "COMPLETED" | "CANCELLED";

/** The little ingestion needs to know about a campaign (services/common's CampaignInfo fits). */
export interface KnownCampaign {
  status: CampaignState;
  currencyCode: string;
  /** IANA zone of the campaign's reports: the zone of report rows that name none. */
  timeZone?: string;
}
