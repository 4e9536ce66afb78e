/**
 * LinkedIn Marketing API, Reporting (https://learn.microsoft.com/linkedin/marketing/integrations/ads-reporting/ads-reporting):
 * GET /rest/adAnalytics?q=analytics&pivot=CAMPAIGN&timeGranularity=DAILY&dateRange=(start:(…),end:(…))
 * &campaigns=List(urn%3Ali%3AsponsoredCampaign%3A…)&fields=…, headers LinkedIn-Version (YYYYMM) and
 * X-Restli-Protocol-Version: 2.0.0. Rest.li 2.0 syntax: the structure characters ( ) , : stay
 * literal, the URNs inside are percent-encoded, so the query string is built by hand.
 *
 * The docs say adAnalytics does not paginate (one answer holds every element) and that long URLs
 * hit 414, so "paging" here is batching campaigns, `campaignsPerCall` to a request.
 * costInLocalCurrency and conversionValueInLocalCurrency are decimal strings in the account's
 * currency (GET /rest/adAccounts/{id} → currency). externalWebsiteConversions is a whole count with
 * no conversion action at this pivot.
 *
 * Tokens: 60-day access tokens, refreshed once on 401 at https://www.linkedin.com/oauth/v2/accessToken
 * (grant_type=refresh_token; refresh tokens last a year). Throttling: 429; LinkedIn documents no
 * Retry-After, so the computed backoff applies unless one is sent.
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
} from "../shared/platform-http.js";

export interface LinkedInConnectorConfig {
  /** https://api.linkedin.com in production. */
  baseUrl: string;
  /** https://www.linkedin.com/oauth/v2/accessToken in production. */
  tokenUrl: string;
  /** LinkedIn-Version header, YYYYMM. */
  apiVersion: string;
  campaignsPerCall: number;
  /**
   * The zone LinkedIn buckets DAILY analytics in. LinkedIn accounts carry no reporting zone in the
   * API; dateRange days are taken as UTC (an assumption to confirm against a live account).
   */
  reportTimeZone: string;
}

export const DEFAULT_LINKEDIN_CONFIG: LinkedInConnectorConfig = Object.freeze({
  baseUrl: "https://api.linkedin.com",
  tokenUrl: "https://www.linkedin.com/oauth/v2/accessToken",
  apiVersion: "202510",
  campaignsPerCall: 20,
  reportTimeZone: "UTC",
});

const FIELDS = "impressions,clicks,costInLocalCurrency,externalWebsiteConversions,conversionValueInLocalCurrency,dateRange,pivotValues";
const CAMPAIGN_URN = "urn:li:sponsoredCampaign:";

export class LinkedInConnector implements PlatformConnector {
  readonly platform = "linkedin" as const;
  private readonly config: LinkedInConnectorConfig;

  constructor(
    config: Partial<LinkedInConnectorConfig> = {},
    private readonly runtime: ConnectorRuntime = createRuntime(),
  ) {
    this.config = { ...DEFAULT_LINKEDIN_CONFIG, ...config };
  }

  async fetchReport(credentials: PlatformCredentials, request: ReportRequest, options: FetchReportOptions = {}): Promise<PlatformReport> {
    const { signal } = options;
    for (const id of [request.accountId, ...request.externalCampaignIds]) {
      if (!/^\d{1,20}$/.test(id)) throw new PlatformError("linkedin", "REQUEST_REFUSED", `ids must be digits: "${id.slice(0, 24)}"`);
    }
    const session = new TokenSession(
      credentials,
      (c) => refreshOAuthToken("linkedin", this.runtime, this.config.tokenUrl, c, signal),
      options.onTokenRefreshed,
    );
    if (!credentials.accessToken) await session.refreshOnce();

    const account = await this.get(session, `/rest/adAccounts/${request.accountId}`, "", signal);
    const currencyCode = requiredString("linkedin", field(account, "currency"), "adAccount currency");
    const rows: PlatformReportRowData[] = [];
    for (let i = 0; i < request.externalCampaignIds.length; i += this.config.campaignsPerCall) {
      const batch = request.externalCampaignIds.slice(i, i + this.config.campaignsPerCall);
      const query = [
        "q=analytics",
        "pivot=CAMPAIGN",
        "timeGranularity=DAILY",
        `dateRange=(start:${restliDate(request.startDate)},end:${restliDate(request.endDate)})`,
        `campaigns=List(${batch.map((id) => encodeURIComponent(CAMPAIGN_URN + id)).join(",")})`,
        `fields=${FIELDS}`,
      ].join("&");
      const page = await this.get(session, "/rest/adAnalytics", query, signal);
      for (const element of arrayAt("linkedin", field(page, "elements"), "adAnalytics elements")) rows.push(this.toRow(element, currencyCode));
    }
    return { rows, accountTimeZone: this.config.reportTimeZone, currencyCode };
  }

  private toRow(element: unknown, currencyCode: string): PlatformReportRowData {
    return parseOrBadResponse("linkedin", "adAnalytics element", () => {
      const urn = requiredString("linkedin", (field(element, "pivotValues") as unknown[] | undefined)?.[0], "pivotValues");
      if (!urn.startsWith(CAMPAIGN_URN)) throw new RangeError(`pivot value is not a campaign URN: ${urn.slice(0, 48)}`);
      const start = field(field(element, "dateRange"), "start");
      const [year, month, day] = ["year", "month", "day"].map((k) => field(start, k));
      if (![year, month, day].every((n) => Number.isInteger(n))) throw new RangeError("dateRange.start is missing");
      return {
        externalCampaignId: urn.slice(CAMPAIGN_URN.length),
        date: `${year}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`,
        region: "ZZ",
        currencyCode,
        impressions: wholeCount(field(element, "impressions"), "impressions"),
        clicks: wholeCount(field(element, "clicks"), "clicks"),
        costMicros: optionalMicros(field(element, "costInLocalCurrency"), "costInLocalCurrency"),
        conversionsMicros: wholeCount(field(element, "externalWebsiteConversions"), "externalWebsiteConversions") * 1_000_000n,
        revenueMicros: optionalMicros(field(element, "conversionValueInLocalCurrency"), "conversionValueInLocalCurrency"),
      };
    });
  }

  private async get(session: TokenSession, path: string, query: string, signal?: AbortSignal): Promise<unknown> {
    const response = await callPlatform({
      platform: "linkedin",
      runtime: this.runtime,
      label: `GET ${path}`,
      session,
      signal,
      send: (s) =>
        this.runtime.fetch(`${this.config.baseUrl}${path}${query ? `?${query}` : ""}`, {
          headers: {
            authorization: `Bearer ${session.credentials.accessToken ?? ""}`,
            "linkedin-version": this.config.apiVersion,
            "x-restli-protocol-version": "2.0.0",
          },
          signal: s,
        }),
      // Errors: {status, serviceErrorCode, code, message}.
      classify: (r) =>
        httpVerdict(r, this.runtime.now(), `${r.status} ${String(field(r.body, "code") ?? "")}: ${String(field(r.body, "message") ?? "").slice(0, 200)}`),
    });
    return response.body;
  }
}

/** YYYY-MM-DD → Rest.li (year:2026,month:11,day:1). */
function restliDate(date: string): string {
  const [year, month, day] = date.split("-").map(Number);
  return `(year:${year},month:${month},day:${day})`;
}
