/**
 * A fake LinkedIn Marketing API for tests and the demo: /rest/adAccounts/{id}, /rest/adAnalytics
 * (analytics finder, pivot CAMPAIGN, DAILY, Rest.li 2.0 query syntax; no pagination, as documented),
 * the OAuth token endpoint (refresh_token grant), 401 for an expired token and 429 throttling.
 */
import { datesOf } from "../shared/lookback.js";
import { bearerToken, FakeAccount, FakeControls, microsToDecimal, startFakeHttp, type FakeReply, type FakeServer } from "../shared/fake-platform.js";

export interface LinkedInFake extends FakeServer {
  account: FakeAccount;
  controls: FakeControls;
  tokenUrl: string;
}

export interface LinkedInFakeOptions {
  account: FakeAccount;
  accessToken: string;
  refreshToken: string;
  clientId: string;
  clientSecret: string;
  port?: number;
}

export async function startLinkedInFake(options: LinkedInFakeOptions): Promise<LinkedInFake> {
  const { account } = options;
  const controls = new FakeControls(options.accessToken);

  const server = await startFakeHttp(
    ({ method, url, headers, body }) => {
      if (url.pathname === "/oauth/v2/accessToken" && method === "POST") {
        const form = new URLSearchParams(body);
        const valid =
          form.get("grant_type") === "refresh_token" &&
          form.get("refresh_token") === options.refreshToken &&
          form.get("client_id") === options.clientId &&
          form.get("client_secret") === options.clientSecret;
        if (!valid)
          return {
            status: 400,
            json: { error: "invalid_request", error_description: "The provided authorization grant or refresh token is invalid, expired or revoked" },
          };
        controls.tokenRefreshes += 1;
        return {
          status: 200,
          json: { access_token: controls.issueToken(), expires_in: 5_183_999, refresh_token: options.refreshToken, refresh_token_expires_in: 31_000_000 },
        };
      }
      if (!controls.validTokens.has(bearerToken(headers) ?? "")) return error(401, 65600, "INVALID_ACCESS_TOKEN", "Invalid access token");
      if (!/^\d{6}$/.test(String(headers["linkedin-version"] ?? "")))
        return error(400, 100, "VERSION_MISSING", "A version must be present. Please specify a version by adding the LinkedIn-Version header.");
      const accountMatch = /^\/rest\/adAccounts\/(\d+)$/.exec(url.pathname);
      if (accountMatch) {
        if (accountMatch[1] !== account.options.accountId) return error(404, 100, "NOT_FOUND", "Not found");
        return {
          status: 200,
          json: { id: Number(accountMatch[1]), currency: account.options.currencyCode, name: "Fake account", status: "ACTIVE", type: "BUSINESS" },
        };
      }
      if (url.pathname !== "/rest/adAnalytics") return error(404, 100, "NOT_FOUND", "Not found");
      if (controls.takeThrottle())
        return error(429, 101, "TOO_MANY_REQUESTS", "Resource level throttle APPLICATION DAY limit for calls to this resource is reached.");
      // URLSearchParams decodes the URNs; the Rest.li structure stays readable.
      const range = /\(start:\(year:(\d+),month:(\d+),day:(\d+)\),end:\(year:(\d+),month:(\d+),day:(\d+)\)\)/.exec(url.searchParams.get("dateRange") ?? "");
      if (
        url.searchParams.get("q") !== "analytics" ||
        url.searchParams.get("pivot") !== "CAMPAIGN" ||
        url.searchParams.get("timeGranularity") !== "DAILY" ||
        !range
      ) {
        return error(400, 100, "ILLEGAL_ARGUMENT", "Invalid query parameters");
      }
      const iso = (y: string, m: string, d: string) => `${y}-${m.padStart(2, "0")}-${d.padStart(2, "0")}`;
      const dates = datesOf({ startDate: iso(range[1]!, range[2]!, range[3]!), endDate: iso(range[4]!, range[5]!, range[6]!) });
      const ids =
        /^List\((.*)\)$/
          .exec(url.searchParams.get("campaigns") ?? "")?.[1]
          ?.split(",")
          .map((urn) => urn.replace("urn:li:sponsoredCampaign:", "")) ?? [];
      const elements = ids
        .filter((id) => account.hasCampaign(id))
        .flatMap((id) =>
          dates.map((date) => {
            const day = account.day(id, date);
            const [y, m, d] = date.split("-").map(Number);
            const conversions = day.conversions[0];
            return {
              impressions: Number(day.impressions),
              clicks: Number(day.clicks),
              costInLocalCurrency: microsToDecimal(day.costMicros),
              externalWebsiteConversions: Number((conversions?.conversionsMicros ?? 0n) / 1_000_000n),
              conversionValueInLocalCurrency: microsToDecimal(conversions?.revenueMicros ?? 0n),
              dateRange: { start: { year: y, month: m, day: d }, end: { year: y, month: m, day: d } },
              pivotValues: [`urn:li:sponsoredCampaign:${id}`],
            };
          }),
        );
      return { status: 200, json: { paging: { count: 10, start: 0, links: [] }, elements } };
    },
    controls,
    options.port,
  );

  return { ...server, account, controls, tokenUrl: `${server.baseUrl}/oauth/v2/accessToken` };
}

function error(status: number, serviceErrorCode: number, code: string, message: string): FakeReply {
  return { status, json: { status, serviceErrorCode, code, message } };
}
