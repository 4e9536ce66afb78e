/**
 * TikTok API for Business, synchronous report (GET /open_api/v1.3/report/integrated/get/, per the
 * official SDK tiktok/tiktok-business-api-sdk ReportingApi): advertiser_id, report_type=BASIC,
 * data_level=AUCTION_CAMPAIGN, dimensions ["campaign_id","stat_time_day"], metrics, start_date,
 * end_date, filtering on campaign_ids, page and page_size; header Access-Token (no Bearer). Answers
 * are HTTP 200 with {code, message, request_id, data: {list: [{dimensions, metrics}], page_info:
 * {page, page_size, total_number, total_page}}}; code 0 is success. Metric values are strings.
 *
 * Limits: a stat_time_day report spans at most 30 days, and the campaign_ids filter takes at most
 * 100 ids — ranges and campaign lists are split accordingly. Days are in the advertiser's zone
 * (GET /open_api/v1.3/advertiser/info/ → timezone, currency).
 *
 * Tokens: Marketing API advertiser tokens are long-term and cannot be refreshed; an invalid or
 * revoked token (40104/40105) fails AUTH_REQUIRED. Throttling: code 40100 (and HTTP 429).
 * Revenue: `total_complete_payment_rate` is the total purchase value despite its name (community
 * SDK usage; TikTok's metric docs were not reachable from here) — confirm on a live account.
 */
import { isIanaTimeZone } from "#common/contract/time-zone.js";
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
import { splitRange } from "../shared/lookback.js";
import {
  arrayAt,
  callPlatform,
  createRuntime,
  field,
  httpVerdict,
  parseOrBadResponse,
  requiredString,
  type ConnectorRuntime,
  type PlatformResponse,
  type Verdict,
} from "../shared/platform-http.js";

export interface TikTokConnectorConfig {
  /** https://business-api.tiktok.com in production. */
  baseUrl: string;
  pageSize: number;
}

export const DEFAULT_TIKTOK_CONFIG: TikTokConnectorConfig = Object.freeze({ baseUrl: "https://business-api.tiktok.com", pageSize: 1000 });

export const TIKTOK_RATE_LIMIT_CODES = new Set([40100]);
export const TIKTOK_AUTH_CODES = new Set([40104, 40105]);
export const TIKTOK_TRANSIENT_CODES = new Set([50000, 50002]);
const MAX_DAYS = 30;
const MAX_CAMPAIGNS = 100;
const METRICS = ["spend", "impressions", "clicks", "conversion", "total_complete_payment_rate", "currency"];

export class TikTokConnector implements PlatformConnector {
  readonly platform = "tiktok" as const;
  private readonly config: TikTokConnectorConfig;

  constructor(
    config: Partial<TikTokConnectorConfig> = {},
    private readonly runtime: ConnectorRuntime = createRuntime(),
  ) {
    this.config = { ...DEFAULT_TIKTOK_CONFIG, ...config };
  }

  async fetchReport(credentials: PlatformCredentials, request: ReportRequest, options: FetchReportOptions = {}): Promise<PlatformReport> {
    const token = credentials.accessToken;
    if (!token) throw new PlatformError("tiktok", "AUTH_REQUIRED", "the connection holds no access token");
    const info = await this.get(
      token,
      "/open_api/v1.3/advertiser/info/",
      { advertiser_ids: JSON.stringify([request.accountId]), fields: JSON.stringify(["timezone", "currency"]) },
      options.signal,
    );
    const advertiser = arrayAt("tiktok", field(field(info, "data"), "list"), "advertiser info list")[0];
    const accountTimeZone = requiredString("tiktok", field(advertiser, "timezone"), "advertiser timezone");
    if (!isIanaTimeZone(accountTimeZone))
      throw new PlatformError("tiktok", "BAD_RESPONSE", `advertiser timezone is not an IANA name: ${accountTimeZone.slice(0, 40)}`);
    const currencyCode = requiredString("tiktok", field(advertiser, "currency"), "advertiser currency");

    const rows: PlatformReportRowData[] = [];
    for (let i = 0; i < request.externalCampaignIds.length; i += MAX_CAMPAIGNS) {
      const campaigns = request.externalCampaignIds.slice(i, i + MAX_CAMPAIGNS);
      for (const range of splitRange({ startDate: request.startDate, endDate: request.endDate }, MAX_DAYS)) {
        for (let page = 1, totalPages = 1; page <= totalPages; page += 1) {
          const data = field(
            await this.get(
              token,
              "/open_api/v1.3/report/integrated/get/",
              {
                advertiser_id: request.accountId,
                report_type: "BASIC",
                data_level: "AUCTION_CAMPAIGN",
                dimensions: JSON.stringify(["campaign_id", "stat_time_day"]),
                metrics: JSON.stringify(METRICS),
                start_date: range.startDate,
                end_date: range.endDate,
                filtering: JSON.stringify([{ field_name: "campaign_ids", filter_type: "IN", filter_value: JSON.stringify(campaigns) }]),
                page: String(page),
                page_size: String(this.config.pageSize),
              },
              options.signal,
            ),
            "data",
          );
          for (const item of arrayAt("tiktok", field(data, "list"), "report list")) rows.push(this.toRow(item, currencyCode));
          totalPages = Number(field(field(data, "page_info"), "total_page") ?? 1) || 1;
        }
      }
    }
    return { rows, accountTimeZone, currencyCode };
  }

  private toRow(item: unknown, currencyCode: string): PlatformReportRowData {
    return parseOrBadResponse("tiktok", "report row", () => {
      const dimensions = field(item, "dimensions");
      const metrics = field(item, "metrics");
      // stat_time_day is "YYYY-MM-DD 00:00:00".
      const day = requiredString("tiktok", field(dimensions, "stat_time_day"), "stat_time_day").slice(0, 10);
      if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new RangeError(`stat_time_day is not a date: ${day}`);
      return {
        externalCampaignId: requiredString("tiktok", field(dimensions, "campaign_id"), "campaign_id"),
        date: day,
        region: "ZZ",
        currencyCode,
        impressions: wholeCount(field(metrics, "impressions"), "impressions"),
        clicks: wholeCount(field(metrics, "clicks"), "clicks"),
        costMicros: optionalMicros(field(metrics, "spend"), "spend"),
        conversionsMicros: optionalMicros(field(metrics, "conversion"), "conversion"),
        revenueMicros: optionalMicros(field(metrics, "total_complete_payment_rate"), "total_complete_payment_rate"),
      };
    });
  }

  private async get(token: string, path: string, params: Record<string, string>, signal?: AbortSignal): Promise<unknown> {
    const response = await callPlatform({
      platform: "tiktok",
      runtime: this.runtime,
      label: `GET ${path}`,
      signal,
      send: (s) => this.runtime.fetch(`${this.config.baseUrl}${path}?${new URLSearchParams(params)}`, { headers: { "access-token": token }, signal: s }),
      classify: (r) => this.classify(r),
    });
    return response.body;
  }

  private classify(response: PlatformResponse): Verdict {
    const code = Number(field(response.body, "code"));
    const message = `code ${Number.isNaN(code) ? "?" : code}: ${String(field(response.body, "message") ?? "").slice(0, 200)}`;
    if (response.status >= 300 || Number.isNaN(code)) {
      const verdict = httpVerdict(response, this.runtime.now(), `HTTP ${response.status} ${message}`);
      return verdict.kind === "ok" ? { kind: "fail", reason: "BAD_RESPONSE", message: "answer without a code" } : verdict;
    }
    if (code === 0) return { kind: "ok" };
    if (TIKTOK_RATE_LIMIT_CODES.has(code) || TIKTOK_TRANSIENT_CODES.has(code)) return { kind: "retry", message };
    if (TIKTOK_AUTH_CODES.has(code)) return { kind: "auth", message };
    return { kind: "fail", reason: "REQUEST_REFUSED", message };
  }
}
