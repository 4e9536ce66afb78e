/**
 * A fake Google Ads API for tests and the demo: googleAds:searchStream answering the three GAQL
 * shapes the connector sends (customer, campaign delivery, conversions by action) as a JSON array
 * of batches in proto3 JSON, the OAuth2 token endpoint (refresh_token grant), 401 UNAUTHENTICATED
 * for an expired token and 429 RESOURCE_EXHAUSTED with a GoogleAdsFailure retryDelay.
 */
import { randomUUID } from "node:crypto";
import { datesOf } from "../shared/lookback.js";
import { bearerToken, FakeAccount, FakeControls, startFakeHttp, type FakeReply, type FakeServer } from "../shared/fake-platform.js";

export interface GoogleAdsFake extends FakeServer {
  account: FakeAccount;
  controls: FakeControls;
  /** The URL to configure as the connector's tokenUrl. */
  tokenUrl: string;
}

export interface GoogleAdsFakeOptions {
  account: FakeAccount;
  accessToken: string;
  /** The refresh token (and client) the token endpoint accepts. */
  refreshToken: string;
  clientId: string;
  clientSecret: string;
  developerToken: string;
  /** Results per stream batch (Google sends up to 10,000). */
  batchSize?: number;
  apiVersion?: string;
  port?: number;
}

export async function startGoogleAdsFake(options: GoogleAdsFakeOptions): Promise<GoogleAdsFake> {
  const { account } = options;
  const version = options.apiVersion ?? "v21";
  const controls = new FakeControls(options.accessToken);
  const batchSize = options.batchSize ?? 10_000;

  const server = await startFakeHttp(
    ({ method, url, headers, body }) => {
      if (url.pathname === "/token" && method === "POST") {
        const form = new URLSearchParams(body);
        const valid =
          form.get("grant_type") === "refresh_token" &&
          form.get("refresh_token") === options.refreshToken &&
          form.get("client_id") === options.clientId &&
          form.get("client_secret") === options.clientSecret;
        if (!valid) return { status: 400, json: { error: "invalid_grant", error_description: "Token has been expired or revoked." } };
        controls.tokenRefreshes += 1;
        return {
          status: 200,
          json: { access_token: controls.issueToken(), expires_in: 3599, scope: "https://www.googleapis.com/auth/adwords", token_type: "Bearer" },
        };
      }
      const match = new RegExp(`^/${version}/customers/(\\d+)/googleAds:searchStream$`).exec(url.pathname);
      if (!match || method !== "POST") return status(404, "NOT_FOUND", "Requested entity was not found.");
      if (!controls.validTokens.has(bearerToken(headers) ?? "")) {
        return status(
          401,
          "UNAUTHENTICATED",
          "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.",
        );
      }
      if (headers["developer-token"] !== options.developerToken)
        return failure(400, "INVALID_ARGUMENT", { authenticationError: "DEVELOPER_TOKEN_INVALID" }, "The developer token is not valid.");
      if (match[1] !== account.options.accountId)
        return failure(403, "PERMISSION_DENIED", { authorizationError: "USER_PERMISSION_DENIED" }, "User doesn't have permission to access customer.");
      const query = String((JSON.parse(body || "{}") as { query?: string }).query ?? "");
      if (/FROM customer\b/.test(query)) {
        return stream(
          [{ customer: { resourceName: `customers/${match[1]}`, timeZone: account.options.timeZone, currencyCode: account.options.currencyCode } }],
          batchSize,
        );
      }
      if (controls.takeThrottle()) {
        return failure(
          429,
          "RESOURCE_EXHAUSTED",
          { quotaError: "RESOURCE_EXHAUSTED" },
          `Too many requests. Retry in ${controls.throttleRetryAfterSeconds} seconds.`,
          {
            quotaErrorDetails: {
              rateScope: "ACCOUNT",
              rateName: "Number of operations for basic access",
              retryDelay: `${controls.throttleRetryAfterSeconds}s`,
            },
          },
        );
      }
      const between = /segments\.date BETWEEN '(\d{4}-\d{2}-\d{2})' AND '(\d{4}-\d{2}-\d{2})'/.exec(query);
      const ids =
        /campaign\.id IN \(([\d,\s]+)\)/
          .exec(query)?.[1]
          ?.split(",")
          .map((s) => s.trim()) ?? account.options.campaignIds;
      if (!between) return failure(400, "INVALID_ARGUMENT", { queryError: "EXPECTED_FILTERS_ON_DATE_RANGE" }, "Date range is required.");
      const cells = ids
        .filter((id) => account.hasCampaign(id))
        .flatMap((id) => datesOf({ startDate: between[1]!, endDate: between[2]! }).map((date) => [id, date] as const));
      const resource = (id: string) => ({ resourceName: `customers/${match[1]}/campaigns/${id}`, id });
      if (/segments\.conversion_action/.test(query)) {
        const results = cells.flatMap(([id, date]) =>
          account
            .day(id, date)
            .conversions.filter((c) => c.conversionsMicros > 0n)
            .map((c) => ({
              campaign: resource(id),
              segments: { date, conversionAction: `customers/${match[1]}/conversionActions/${c.action}` },
              // doubles, as proto3 JSON writes them
              metrics: { conversions: Number(c.conversionsMicros) / 1e6, conversionsValue: Number(c.revenueMicros) / 1e6 },
            })),
        );
        return stream(results, batchSize);
      }
      const results = cells.map(([id, date]) => {
        const day = account.day(id, date);
        return {
          campaign: resource(id),
          segments: { date },
          metrics: { impressions: String(day.impressions), clicks: String(day.clicks), costMicros: String(day.costMicros) },
        };
      });
      return stream(results, batchSize);
    },
    controls,
    options.port,
  );

  return { ...server, account, controls, tokenUrl: `${server.baseUrl}/token` };

  function stream(results: unknown[], size: number): FakeReply {
    const batches = [];
    for (let i = 0; i < results.length || i === 0; i += size) {
      batches.push({ results: results.slice(i, i + size), fieldMask: "campaign.id,segments.date", requestId: randomUUID().slice(0, 22) });
    }
    return { status: 200, json: batches };
  }

  function failure(code: number, rpcStatus: string, errorCode: Record<string, string>, message: string, details?: unknown): FakeReply {
    return {
      status: code,
      json: {
        error: {
          code,
          message: code === 429 ? "Resource has been exhausted (e.g. check quota)." : "Request contains an invalid argument.",
          status: rpcStatus,
          details: [
            {
              "@type": `type.googleapis.com/google.ads.googleads.${version}.errors.GoogleAdsFailure`,
              errors: [{ errorCode, message, ...(details ? { details } : {}) }],
              requestId: randomUUID().slice(0, 22),
            },
          ],
        },
      },
    };
  }
}

function status(code: number, rpcStatus: string, message: string): FakeReply {
  return { status: code, json: { error: { code, message, status: rpcStatus } } };
}
