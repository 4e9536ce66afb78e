/**
 * The port through which syncs read an ad platform's report: one implementation per platform
 * (the connectors), adapted at the composition root. Rows are per external campaign, dated in the
 * ad account's time zone, with exact integers (never floats).
 */
import type { PlatformCredentials } from "./platform-connection.js";

export interface ReportRequest {
  /** The platform's ad account id. */
  accountId: string;
  /** The platform's campaign ids to report on; never empty. */
  externalCampaignIds: string[];
  /** Inclusive, YYYY-MM-DD in the account's time zone. */
  startDate: string;
  endDate: string;
}

export interface SourceRow {
  externalCampaignId: string;
  /** YYYY-MM-DD in the account's time zone. */
  date: string;
  /** 0–23 for hourly rows; null for daily rows. */
  hour: number | null;
  /** ISO 3166-1 alpha-2, or "" / ZZ when the platform does not break down by region. */
  region: string;
  impressions: bigint;
  clicks: bigint;
  /** Conversions in millionths (exact fractional conversions). */
  conversionsMicros: bigint;
  costMicros: bigint;
  revenueMicros: bigint;
  currencyCode: string;
  /**
   * The platform's own conversion action of a row that carries conversions per action (Meta
   * `action_type`, Google `segments.conversion_action`); unset on the row with delivery and cost.
   * The sync counts it under platformActionSlug(conversionAction).
   */
  conversionAction?: string;
}

export interface SourceReport {
  rows: SourceRow[];
  /** IANA zone the account reports in (every row's date is in it). */
  accountTimeZone: string;
  currencyCode: string;
  /** Credentials the platform rotated during the fetch (a refreshed access token), to store. */
  refreshedCredentials?: PlatformCredentials;
}

/**
 * Why a fetch failed. permanent: the platform refused the credentials for good (revoked, invalid
 * grant): retrying cannot help. retryAfterMs: the platform asked not to be called again sooner
 * (throttling); the next sync waits at least this long. refreshedCredentials: a token refreshed
 * before the failure, still to be stored (a rotated refresh token would otherwise be lost).
 * Messages never contain credentials.
 */
export class ReportSourceError extends Error {
  readonly retryAfterMs?: number;
  readonly refreshedCredentials?: PlatformCredentials;

  constructor(
    message: string,
    readonly permanent = false,
    more: { retryAfterMs?: number; refreshedCredentials?: PlatformCredentials } = {},
  ) {
    super(message);
    this.name = "ReportSourceError";
    if (more.retryAfterMs !== undefined) this.retryAfterMs = more.retryAfterMs;
    if (more.refreshedCredentials) this.refreshedCredentials = more.refreshedCredentials;
  }
}

/** Reads one platform's reports; rejects with ReportSourceError (or any error: treated as transient). */
export interface ReportSource {
  fetchReport(credentials: PlatformCredentials, request: ReportRequest, opts?: { signal?: AbortSignal }): Promise<SourceReport>;
}

/** The report sources by platform slug; a platform without one cannot be synced. */
export type ReportSources = Readonly<Record<string, ReportSource>>;
