/**
 * Google Ads API (https://developers.google.com/google-ads/api/rest/reference): GoogleAdsService
 * SearchStream over REST, POST /v{N}/customers/{customer_id}/googleAds:searchStream {query}, with
 * headers Authorization: Bearer, developer-token and (through a manager) login-customer-id. The
 * answer is a JSON array of SearchGoogleAdsStreamResponse batches, each with `results`
 * (GoogleAdsRow in proto3 JSON: camelCase, int64 as strings, doubles as numbers).
 *
 * Three GAQL queries per fetch:
 * 1. customer.time_zone, customer.currency_code — the zone segments.date is in, and the currency.
 * 2. campaign.id, segments.date, metrics.impressions/clicks/cost_micros — delivery and spend.
 * 3. campaign.id, segments.date, segments.conversion_action, metrics.conversions/conversions_value —
 *    conversions per action. segments.conversion_action segments conversion metrics only, so it
 *    cannot sit in query 2. metrics.conversions is a double (data-driven attribution makes 2.5 real);
 *    it becomes conversionsMicros through its shortest decimal, never float multiplication.
 *
 * Tokens: OAuth2 refresh at https://oauth2.googleapis.com/token (grant_type=refresh_token), up
 * front when the connection holds no access token, and once on 401 UNAUTHENTICATED. Throttling:
 * 429 RESOURCE_EXHAUSTED with GoogleAdsFailure → errors[].details.quotaErrorDetails.retryDelay.
 */
import {
  PlatformError,
  type FetchReportOptions,
  type PlatformConnector,
  type PlatformCredentials,
  type PlatformReport,
  type PlatformReportRowData,
  type ReportRequest,
} from "../platform-connector.js";
import { optionalMicros, wholeCount } from "../shared/decimal-micros.js";
import { refreshOAuthToken } from "../shared/oauth-refresh.js";
import {
  arrayAt,
  callPlatform,
  createRuntime,
  field,
  httpVerdict,
  parseOrBadResponse,
  requiredString,
  TokenSession,
  type ConnectorRuntime,
  type PlatformResponse,
  type Verdict,
} from "../shared/platform-http.js";
import { parseDurationMs } from "../shared/retry-policy.js";

export interface GoogleAdsConnectorConfig {
  /** https://googleads.googleapis.com in production. */
  baseUrl: string;
  /** https://oauth2.googleapis.com/token in production. */
  tokenUrl: string;
  /** API version with its v, e.g. "v21". */
  apiVersion: string;
}

export const DEFAULT_GOOGLE_ADS_CONFIG: GoogleAdsConnectorConfig = Object.freeze({
  baseUrl: "https://googleads.googleapis.com",
  tokenUrl: "https://oauth2.googleapis.com/token",
  apiVersion: "v21",
});

const DIGITS = /^\d{1,20}$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

export class GoogleAdsConnector implements PlatformConnector {
  readonly platform = "google" as const;
  private readonly config: GoogleAdsConnectorConfig;

  constructor(
    config: Partial<GoogleAdsConnectorConfig> = {},
    private readonly runtime: ConnectorRuntime = createRuntime(),
  ) {
    this.config = { ...DEFAULT_GOOGLE_ADS_CONFIG, ...config };
  }

  async fetchReport(credentials: PlatformCredentials, request: ReportRequest, options: FetchReportOptions = {}): Promise<PlatformReport> {
    const { signal } = options;
    // GAQL is text: everything spliced into it is checked to be digits or a date first.
    for (const id of [request.accountId, ...request.externalCampaignIds]) {
      if (!DIGITS.test(id)) throw new PlatformError("google", "REQUEST_REFUSED", `ids must be digits (no dashes): "${id.slice(0, 24)}"`);
    }
    if (!ISO_DATE.test(request.startDate) || !ISO_DATE.test(request.endDate)) throw new PlatformError("google", "REQUEST_REFUSED", "dates must be YYYY-MM-DD");
    if (!credentials.developerToken) throw new PlatformError("google", "AUTH_REQUIRED", "the connection holds no developer token");

    const session = new TokenSession(credentials, (c) => refreshOAuthToken("google", this.runtime, this.config.tokenUrl, c, signal), options.onTokenRefreshed);
    if (!credentials.accessToken) await session.refreshOnce();

    const customer = (await this.search(session, request.accountId, "SELECT customer.time_zone, customer.currency_code FROM customer", signal))[0];
    const accountTimeZone = requiredString("google", field(field(customer, "customer"), "timeZone"), "customer.time_zone");
    const currencyCode = requiredString("google", field(field(customer, "customer"), "currencyCode"), "customer.currency_code");
    if (request.externalCampaignIds.length === 0) return { rows: [], accountTimeZone, currencyCode };

    const where = `WHERE segments.date BETWEEN '${request.startDate}' AND '${request.endDate}' AND campaign.id IN (${request.externalCampaignIds.join(", ")})`;
    const delivery = await this.search(
      session,
      request.accountId,
      `SELECT campaign.id, segments.date, metrics.impressions, metrics.clicks, metrics.cost_micros FROM campaign ${where}`,
      signal,
    );
    const conversions = await this.search(
      session,
      request.accountId,
      `SELECT campaign.id, segments.date, segments.conversion_action, metrics.conversions, metrics.conversions_value FROM campaign ${where} AND metrics.conversions > 0`,
      signal,
    );

    const rows: PlatformReportRowData[] = [];
    for (const result of delivery) {
      rows.push(
        parseOrBadResponse("google", "campaign row", () => ({
          ...this.keyOf(result, currencyCode),
          impressions: wholeCount(field(field(result, "metrics"), "impressions"), "metrics.impressions"),
          clicks: wholeCount(field(field(result, "metrics"), "clicks"), "metrics.clicks"),
          costMicros: wholeCount(field(field(result, "metrics"), "costMicros"), "metrics.cost_micros"),
          conversionsMicros: 0n,
          revenueMicros: 0n,
        })),
      );
    }
    for (const result of conversions) {
      rows.push(
        parseOrBadResponse("google", "conversion row", () => ({
          ...this.keyOf(result, currencyCode),
          impressions: 0n,
          clicks: 0n,
          costMicros: 0n,
          conversionsMicros: optionalMicros(field(field(result, "metrics"), "conversions"), "metrics.conversions"),
          revenueMicros: optionalMicros(field(field(result, "metrics"), "conversionsValue"), "metrics.conversions_value"),
          conversionAction: requiredString("google", field(field(result, "segments"), "conversionAction"), "segments.conversion_action"),
        })),
      );
    }
    return { rows, accountTimeZone, currencyCode };
  }

  private keyOf(result: unknown, currencyCode: string) {
    return {
      externalCampaignId: requiredString("google", field(field(result, "campaign"), "id"), "campaign.id"),
      date: requiredString("google", field(field(result, "segments"), "date"), "segments.date"),
      region: "ZZ",
      currencyCode,
    };
  }

  /** All results of a searchStream query, across its batches. */
  private async search(session: TokenSession, customerId: string, query: string, signal?: AbortSignal): Promise<unknown[]> {
    const url = `${this.config.baseUrl}/${this.config.apiVersion}/customers/${customerId}/googleAds:searchStream`;
    const response = await callPlatform({
      platform: "google",
      runtime: this.runtime,
      label: `POST /customers/${customerId}/googleAds:searchStream`,
      session,
      signal,
      send: (s) => {
        const { accessToken, developerToken, loginCustomerId } = session.credentials;
        const headers: Record<string, string> = {
          authorization: `Bearer ${accessToken ?? ""}`,
          "developer-token": developerToken ?? "",
          "content-type": "application/json",
        };
        if (loginCustomerId) headers["login-customer-id"] = loginCustomerId;
        return this.runtime.fetch(url, { method: "POST", headers, body: JSON.stringify({ query }), signal: s });
      },
      classify: (r) => this.classify(r),
    });
    return arrayAt("google", response.body, "searchStream answer").flatMap((batch) => arrayAt("google", field(batch, "results"), "searchStream results"));
  }

  /** google.rpc.Status in JSON ({error: {code, message, status, details}}), bare or as a stream element. */
  private classify(response: PlatformResponse): Verdict {
    const body = response.body;
    const error = Array.isArray(body) ? body.map((b) => field(b, "error")).find((e) => e !== undefined) : field(body, "error");
    if (response.status < 300 && error === undefined) {
      return Array.isArray(body) ? { kind: "ok" } : { kind: "fail", reason: "BAD_RESPONSE", message: "searchStream answered no JSON array" };
    }
    const status = String(field(error, "status") ?? "");
    const message = `${status || response.status}: ${String(field(error, "message") ?? "").slice(0, 200)}`;
    if (status === "RESOURCE_EXHAUSTED" || response.status === 429) return { kind: "retry", retryAfterMs: googleRetryDelayMs(error), message };
    if (status === "UNAUTHENTICATED") return { kind: "auth", message };
    if (status === "UNAVAILABLE" || status === "INTERNAL" || status === "DEADLINE_EXCEEDED") return { kind: "retry", message };
    return httpVerdict({ ...response, status: response.status < 300 ? 500 : response.status }, this.runtime.now(), message);
  }
}

/** The largest retryDelay in the GoogleAdsFailure details of a google.rpc.Status; undefined when none. */
export function googleRetryDelayMs(status: unknown): number | undefined {
  let delay: number | undefined;
  for (const detail of Array.isArray(field(status, "details")) ? (field(status, "details") as unknown[]) : []) {
    for (const error of Array.isArray(field(detail, "errors")) ? (field(detail, "errors") as unknown[]) : []) {
      const ms = parseDurationMs(field(field(field(error, "details"), "quotaErrorDetails"), "retryDelay"));
      if (ms !== undefined) delay = Math.max(delay ?? 0, ms);
    }
  }
  return delay;
}
