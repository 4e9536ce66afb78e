/**
 * The caps of the input boundary (DESIGN §2: every string, list and number has a documented
 * bound). Defaults apply to every request field of every service; the tables below override them
 * per field, keyed by the proto field's full name (`package.Message.field`; `#key` / `#value`
 * for a map's keys and values). A field added to a proto is bounded by the defaults at once.
 */
import { MAX_EVENT_MICROS } from "../contract/money.js";

export interface InputCaps {
  /** Characters (code points) of a string. */
  defaultStringChars: number;
  stringChars: Readonly<Record<string, number>>;
  /** Entries of a repeated field or a map. */
  defaultItems: number;
  items: Readonly<Record<string, number>>;
  /** Inclusive ranges of integer fields. */
  defaultInt64: readonly [bigint, bigint];
  defaultInt32: readonly [bigint, bigint];
  intRange: Readonly<Record<string, readonly [bigint, bigint]>>;
  /**
   * Repeated fields whose items each get their own receipt (one bad event never fails its batch):
   * the boundary caps their count but leaves the items to the handler, which checks each with
   * InputBoundary.itemProblems.
   */
  itemized: ReadonlySet<string>;
  /** Violations listed at most; beyond, one more says how many were left out. */
  maxViolations: number;
}

const INT32: readonly [bigint, bigint] = [-(2n ** 31n), 2n ** 31n - 1n];

export const INPUT_CAPS: InputCaps = {
  defaultStringChars: 1024,
  stringChars: {
    "tally.campaign.v1.Campaign.name": 255,
    "tally.campaign.v1.Campaign.description": 1000,
    "tally.campaign.v1.Campaign.time_zone": 64,
    "tally.campaign.v1.CreateCampaignRequest.request_id": 64,
    "tally.identity.v1.RegisterRequest.email": 320,
    "tally.identity.v1.LoginRequest.email": 320,
    "tally.identity.v1.CreateUserRequest.email": 320,
    "tally.identity.v1.RegisterRequest.organization_name": 255,
    "tally.identity.v1.CreateApiKeyRequest.display_name": 255,
    "tally.ingestion.v1.AdEvent.event_id": 128,
    "tally.ingestion.v1.AdEvent.campaign_id": 128,
    "tally.ingestion.v1.AdEvent.ip": 64,
    "tally.ingestion.v1.AdEvent.attributes#key": 64,
    "tally.ingestion.v1.AdEvent.attributes#value": 256,
    "tally.ingestion.v1.PlatformReportRow.campaign_id": 128,
    "tally.ingestion.v1.PlatformReportRow.time_zone": 64,
    // Conversion action slugs are [a-z0-9_]{1,32}; a little room for surrounding blanks.
    "tally.ingestion.v1.AdEvent.conversion_action": 64,
    "tally.ingestion.v1.PlatformReportRow.conversion_action": 64,
    "tally.campaign.v1.ConversionAction.display_name": 100,
    "tally.campaign.v1.CreateConversionActionRequest.conversion_action_id": 64,
    "tally.campaign.v1.PlatformCampaignLink.account_id": 128,
    "tally.campaign.v1.PlatformCampaignLink.external_campaign_ids": 128,
    "tally.ingestion.v1.PlatformConnection.account_id": 64,
    "tally.ingestion.v1.PlatformConnection.display_name": 255,
    // OAuth tokens: some platforms issue long JWT-style tokens.
    "tally.ingestion.v1.PlatformCredentials.access_token": 4096,
    "tally.ingestion.v1.PlatformCredentials.refresh_token": 4096,
    "tally.ingestion.v1.PlatformCredentials.login_customer_id": 20,
  },
  defaultItems: 1000,
  items: {
    "tally.campaign.v1.Campaign.channels": 16,
    "tally.campaign.v1.Campaign.platforms": 100,
    "tally.ingestion.v1.AdEvent.attributes": 20,
    "tally.analytics.v1.GetCampaignInsightsRequest.platforms": 100,
    "tally.analytics.v1.GetCampaignInsightsRequest.regions": 300,
    "tally.analytics.v1.GetCampaignInsightsRequest.breakdowns": 4,
    "tally.analytics.v1.GetCampaignSourceComparisonRequest.platforms": 100,
    "tally.identity.v1.CreateApiKeyRequest.scopes": 2,
    "tally.campaign.v1.Campaign.platform_links": 20,
    "tally.campaign.v1.PlatformCampaignLink.external_campaign_ids": 100,
  },
  // Counts and micros: never negative, and small enough that no sum of them can wrap an int64.
  defaultInt64: [0n, MAX_EVENT_MICROS],
  // int32 fields (page_size, hour) are small by type; each use case checks its own range with its
  // other parameters, so a client hears about a negative page_size and a bad order_by together.
  defaultInt32: INT32,
  intRange: {
    "tally.ingestion.v1.PlatformReportRow.hour": [0n, 23n],
  },
  itemized: new Set([
    "tally.ingestion.v1.IngestEventsRequest.events",
    "tally.ingestion.v1.StreamEventsRequest.events",
    "tally.ingestion.v1.IngestPlatformReportRequest.rows",
  ]),
  maxViolations: 50,
};
