/**
 * Meta Marketing API, Ads Insights (https://developers.facebook.com/docs/marketing-api/insights):
 * GET /v{version}/act_{ad_account_id}/insights with level=campaign, time_increment=1 (one row per
 * campaign and day), time_range {since, until}, filtering on campaign.id IN […], cursor paging
 * (paging.cursors.after while paging.next is present). Large reads run as async report runs:
 * POST …/insights → report_run_id, poll GET /{report_run_id} (async_status, async_percent_completion)
 * until "Job Completed", then page GET /{report_run_id}/insights.
 *
 * Money (spend, action_values) are decimal strings in the account currency; actions by action_type
 * become rows with a conversionAction. The account's zone and currency come from
 * GET /act_{id}?fields=timezone_name,currency.
 *
 * Tokens: Meta issues long-lived (~60 day) user tokens or non-expiring system-user tokens; an
 * expired token cannot be exchanged for a new one (fb_exchange_token needs a valid token), so code
 * 190 fails the fetch AUTH_REQUIRED — the tenant reconnects. No refresh here.
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
import { daysIn } from "../shared/lookback.js";
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
import { isMetaThrottleCode, META_AUTH_CODE, META_TRANSIENT_CODES, readMetaUsage, usagePauseMs } from "./meta-throttle.js";

export interface MetaConnectorConfig {
  /** https://graph.facebook.com in production; a fake server's URL in tests and the demo. */
  baseUrl: string;
  /** Graph API version without the v, e.g. "23.0". */
  apiVersion: string;
  /** Campaign-days above which the report runs async (Meta advises async for large reads). */
  asyncAboveRows: number;
  /** Rows per page (Meta's `limit`). */
  pageSize: number;
  /** How often to poll an async report run. */
  asyncPollMs: number;
  /**
   * The action_types counted as conversions. Meta's `actions` also hold link clicks, video views and
   * page engagement; these are the pixel's standard conversion events, which do not overlap.
   */
  conversionActionTypes: readonly string[];
}

export const DEFAULT_META_CONFIG: MetaConnectorConfig = Object.freeze({
  baseUrl: "https://graph.facebook.com",
  apiVersion: "23.0",
  asyncAboveRows: 5_000,
  pageSize: 500,
  asyncPollMs: 2_000,
  conversionActionTypes: ["offsite_conversion.fb_pixel_purchase", "offsite_conversion.fb_pixel_lead", "offsite_conversion.fb_pixel_complete_registration"],
});

const FIELDS = "campaign_id,date_start,date_stop,impressions,clicks,spend,actions,action_values,account_currency";

export class MetaConnector implements PlatformConnector {
  readonly platform = "meta" as const;
  private readonly config: MetaConnectorConfig;

  constructor(
    config: Partial<MetaConnectorConfig> = {},
    private readonly runtime: ConnectorRuntime = createRuntime(),
  ) {
    this.config = { ...DEFAULT_META_CONFIG, ...config };
  }

  async fetchReport(credentials: PlatformCredentials, request: ReportRequest, options: FetchReportOptions = {}): Promise<PlatformReport> {
    const token = credentials.accessToken;
    if (!token) throw new PlatformError("meta", "AUTH_REQUIRED", "the connection holds no access token");
    const account = await this.get(token, `/act_${request.accountId}`, new URLSearchParams({ fields: "timezone_name,currency" }), options.signal);
    const accountTimeZone = requiredString("meta", field(account, "timezone_name"), "ad account timezone_name");
    const currencyCode = requiredString("meta", field(account, "currency"), "ad account currency");
    if (request.externalCampaignIds.length === 0) return { rows: [], accountTimeZone, currencyCode };

    const params = new URLSearchParams({
      level: "campaign",
      time_increment: "1",
      fields: FIELDS,
      time_range: JSON.stringify({ since: request.startDate, until: request.endDate }),
      filtering: JSON.stringify([{ field: "campaign.id", operator: "IN", value: request.externalCampaignIds }]),
      limit: String(this.config.pageSize),
    });
    const insightsPath = `/act_${request.accountId}/insights`;
    const large = daysIn({ startDate: request.startDate, endDate: request.endDate }) * request.externalCampaignIds.length > this.config.asyncAboveRows;
    const rowsPath = large ? `/${await this.runAsyncReport(token, insightsPath, params, options.signal)}/insights` : insightsPath;
    const pageParams = large ? new URLSearchParams({ limit: String(this.config.pageSize) }) : params;

    const rows: PlatformReportRowData[] = [];
    for (let after: string | undefined; ;) {
      if (after) pageParams.set("after", after);
      const page = await this.get(token, rowsPath, pageParams, options.signal);
      for (const item of arrayAt("meta", field(page, "data"), "insights data")) rows.push(...this.toRows(item, currencyCode));
      const paging = field(page, "paging");
      after = field(field(paging, "cursors"), "after") as string | undefined;
      if (!field(paging, "next") || typeof after !== "string") break;
    }
    return { rows, accountTimeZone, currencyCode };
  }

  /** Starts an async report run and waits for it; returns the report_run_id. */
  private async runAsyncReport(token: string, path: string, params: URLSearchParams, signal?: AbortSignal): Promise<string> {
    const started = await this.call(token, "POST", path, params, signal);
    const runId = requiredString("meta", field(started, "report_run_id"), "report_run_id");
    for (;;) {
      const run = await this.get(token, `/${runId}`, new URLSearchParams({ fields: "async_status,async_percent_completion" }), signal);
      const status = field(run, "async_status");
      if (status === "Job Completed") return runId;
      if (status === "Job Failed" || status === "Job Skipped") {
        throw new PlatformError("meta", "UNAVAILABLE", `async report run ended "${status}" at ${String(field(run, "async_percent_completion"))} %`);
      }
      await this.runtime.sleep(this.config.asyncPollMs, signal);
    }
  }

  private toRows(item: unknown, currencyCode: string): PlatformReportRowData[] {
    return parseOrBadResponse("meta", "insights row", () => {
      const externalCampaignId = requiredString("meta", field(item, "campaign_id"), "insights row campaign_id");
      const date = requiredString("meta", field(item, "date_start"), "insights row date_start");
      const base = { externalCampaignId, date, region: "ZZ", currencyCode };
      const rows: PlatformReportRowData[] = [
        {
          ...base,
          impressions: wholeCount(field(item, "impressions"), "impressions"),
          clicks: wholeCount(field(item, "clicks"), "clicks"),
          costMicros: optionalMicros(field(item, "spend"), "spend"),
          conversionsMicros: 0n,
          revenueMicros: 0n,
        },
      ];
      const values = new Map<string, unknown>();
      for (const entry of arrayAt("meta", field(item, "action_values"), "action_values"))
        values.set(String(field(entry, "action_type")), field(entry, "value"));
      for (const entry of arrayAt("meta", field(item, "actions"), "actions")) {
        const action = String(field(entry, "action_type"));
        if (!this.config.conversionActionTypes.includes(action)) continue;
        rows.push({
          ...base,
          impressions: 0n,
          clicks: 0n,
          costMicros: 0n,
          conversionsMicros: optionalMicros(field(entry, "value"), `actions[${action}]`),
          revenueMicros: optionalMicros(values.get(action), `action_values[${action}]`),
          conversionAction: action,
        });
      }
      return rows;
    });
  }

  private get(token: string, path: string, params: URLSearchParams, signal?: AbortSignal): Promise<unknown> {
    return this.call(token, "GET", path, params, signal);
  }

  private async call(token: string, method: "GET" | "POST", path: string, params: URLSearchParams, signal?: AbortSignal): Promise<unknown> {
    const url = `${this.config.baseUrl}/v${this.config.apiVersion}${path}`;
    const response = await callPlatform({
      platform: "meta",
      runtime: this.runtime,
      label: `${method} ${path}`,
      signal,
      // The token rides in the Authorization header, never in a URL that could reach a log.
      send: (s) =>
        method === "GET"
          ? this.runtime.fetch(`${url}?${params}`, { headers: { authorization: `Bearer ${token}` }, signal: s })
          : this.runtime.fetch(url, {
              method,
              headers: { authorization: `Bearer ${token}`, "content-type": "application/x-www-form-urlencoded" },
              body: params,
              signal: s,
            }),
      classify: (r) => this.classify(r),
    });
    return response.body;
  }

  /** Graph API errors: {error: {message, type, code, error_subcode, fbtrace_id}}. */
  private classify(response: PlatformResponse): Verdict {
    const usage = readMetaUsage(response.headers);
    const error = field(response.body, "error");
    if (response.status < 300 && error === undefined) return { kind: "ok", pauseMs: usagePauseMs(usage) };
    const code = Number(field(error, "code"));
    const message = `Graph API error ${Number.isNaN(code) ? response.status : code}: ${String(field(error, "message") ?? "").slice(0, 200)}`;
    if (code === META_AUTH_CODE) return { kind: "auth", message };
    if (isMetaThrottleCode(code)) return { kind: "retry", retryAfterMs: usage.regainMs || undefined, message };
    if (META_TRANSIENT_CODES.has(code)) return { kind: "retry", message };
    const verdict = httpVerdict(response, this.runtime.now(), message);
    // Meta answers an expired token with 400 + code 190 (handled above); a bare 401 still means auth.
    return verdict.kind === "ok" ? { kind: "fail", reason: "BAD_RESPONSE", message } : verdict;
  }
}
