/**
 * The port between the platform-sync jobs and the four ad-platform connectors (Meta, Google Ads,
 * LinkedIn, TikTok). A connector is a real HTTP client: it reads one ad account's daily campaign
 * report for a date range and returns rows normalised to Tally's contract (money and conversions in
 * micros, never a float). It knows nothing of tenants, campaigns or storage.
 *
 * Contract decisions (issue 6 §6):
 * - Conversions are `conversionsMicros` (conversions × 10^6, bigint): Google Ads reports fractional
 *   conversions under data-driven attribution (e.g. 2.5); micros keep six decimals exactly.
 * - Rows are dated in the ad account's time zone (`date`, YYYY-MM-DD), as every platform reports
 *   them; `accountTimeZone` (IANA) is returned beside them. The caller carries the zone; nothing here
 *   converts days between zones (a platform day cannot be split into another zone's days).
 * - Money is micros of `currencyCode`, the ad account's currency, converted from the platform's
 *   decimal strings digit by digit (see shared/decimal-micros.ts).
 */

export type PlatformSlug = "meta" | "google" | "linkedin" | "tiktok";

/** What a connection stores for a platform; each connector names the fields it needs. Never logged. */
export interface PlatformCredentials {
  /** OAuth access token (Meta: long-lived user or system-user token; TikTok: long-term advertiser token). */
  accessToken?: string;
  /** OAuth refresh token (Google Ads, LinkedIn). */
  refreshToken?: string;
  /** OAuth client (app) id and secret, used to refresh (Google Ads, LinkedIn). */
  clientId?: string;
  clientSecret?: string;
  /** Google Ads developer token (header `developer-token`). */
  developerToken?: string;
  /** Google Ads manager account id (header `login-customer-id`), digits only. */
  loginCustomerId?: string;
}

export interface ReportRequest {
  /**
   * The platform's ad account id: Meta ad account id without `act_`, Google Ads customer id (digits,
   * no dashes), LinkedIn sponsored account id (digits), TikTok advertiser id.
   */
  accountId: string;
  /** The platform's campaign ids to read (digits; LinkedIn without the urn prefix). Empty → no rows. */
  externalCampaignIds: string[];
  /** Inclusive range, YYYY-MM-DD, in the ad account's time zone (see lookbackRange). */
  startDate: string;
  endDate: string;
}

/** One campaign × day (× conversion action) of a platform report. */
export interface PlatformReportRowData {
  externalCampaignId: string;
  /** YYYY-MM-DD in the ad account's time zone. */
  date: string;
  /** Hour of day 0–23 for hourly reports; the connectors here read daily reports and leave it unset. */
  hour?: number;
  /** ISO 3166-1 alpha-2 or ZZ; campaign-level daily reports carry no geography, so ZZ. */
  region: string;
  impressions: bigint;
  clicks: bigint;
  /** Conversions × 10^6 (2.5 conversions → 2_500_000n). */
  conversionsMicros: bigint;
  costMicros: bigint;
  revenueMicros: bigint;
  /** ISO 4217 of the ad account. */
  currencyCode: string;
  /**
   * The platform's conversion action for rows that carry conversions per action (Meta `action_type`,
   * Google `segments.conversion_action` resource name). Unset on the campaign × day row that holds
   * impressions, clicks and cost. A report therefore has, per campaign and day, one row without an
   * action (delivery + cost, conversions 0) and zero or more rows with one (conversions + revenue,
   * delivery 0), so summing rows never double-counts. LinkedIn and TikTok report conversions without
   * an action at this level: they stay on the action-less row.
   */
  conversionAction?: string;
}

export interface PlatformReport {
  rows: PlatformReportRowData[];
  /** IANA zone the rows' dates are in (the ad account's reporting zone). */
  accountTimeZone: string;
  /** ISO 4217 of the ad account; every row carries the same. */
  currencyCode: string;
}

export interface FetchReportOptions {
  signal?: AbortSignal;
  /**
   * Called once after the connector refreshed the access token (Google Ads, LinkedIn), before it
   * retries, with the full credentials to store (a rotated refresh token included). The caller
   * persists them encrypted; a rejection here fails the fetch.
   */
  onTokenRefreshed?(credentials: PlatformCredentials): Promise<void>;
}

export interface PlatformConnector {
  readonly platform: PlatformSlug;
  fetchReport(credentials: PlatformCredentials, request: ReportRequest, options?: FetchReportOptions): Promise<PlatformReport>;
}

/** Stable reasons a fetch fails with; the sync job stores them as the connection's last error. */
export type PlatformErrorReason =
  /** The credentials are refused and cannot be refreshed here: the tenant must reconnect. */
  | "AUTH_REQUIRED"
  /** The platform throttles longer than a sync should wait; retry after `retryAfterMs`. */
  | "RATE_LIMITED"
  /** The platform refused the request (bad account id, permission, invalid parameter). */
  | "REQUEST_REFUSED"
  /** The platform kept failing (5xx, network) through every retry. */
  | "UNAVAILABLE"
  /** The platform answered something this connector cannot read. */
  | "BAD_RESPONSE";

/** The one error a connector throws. Its message never holds credentials. */
export class PlatformError extends Error {
  override readonly name = "PlatformError";
  constructor(
    readonly platform: PlatformSlug,
    readonly reason: PlatformErrorReason,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(`${platform}: ${message}`);
  }
}
