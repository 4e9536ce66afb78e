import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { toReportRows } from "../domain/platform-sync.js";
import { ReportSourceError } from "../domain/report-source.js";
import type { PlatformCredentials as StoredCredentials } from "../domain/platform-connection.js";
import { GoogleAdsConnector } from "./google/google-ads-connector.js";
import { startGoogleAdsFake } from "./google/google-ads-fake-server.js";
import { PlatformError, type PlatformConnector, type PlatformErrorReason, type PlatformReport } from "./platform-connector.js";
import { ConnectorReportSource, reportSourcesOf, toConnectorCredentials } from "./report-source-adapter.js";
import { FakeAccount } from "./shared/fake-platform.js";
import { createRuntime } from "./shared/platform-http.js";
import { createPlatformConnectors } from "./platform-connectors.js";

const stored = (over: Partial<StoredCredentials> = {}): StoredCredentials => ({
  accessToken: "",
  refreshToken: "",
  clientId: "",
  clientSecret: "",
  developerToken: "",
  loginCustomerId: "",
  ...over,
});
const request = { accountId: "1234567890", externalCampaignIds: ["111", "222"], startDate: "2026-11-01", endDate: "2026-11-02" };

/** A connector answering what the test says, recording what it was given. */
function scripted(answer: (options: { onTokenRefreshed?: (c: object) => Promise<void> }) => Promise<PlatformReport>) {
  const seen: unknown[] = [];
  const connector: PlatformConnector = {
    platform: "google",
    async fetchReport(credentials, _request, options = {}) {
      seen.push(credentials);
      return answer(options);
    },
  };
  return { connector, seen };
}

const base = { region: "ZZ", currencyCode: "EUR", impressions: 0n, clicks: 0n, conversionsMicros: 0n, costMicros: 0n, revenueMicros: 0n };

describe("ConnectorReportSource", () => {
  it("hands the connector only the credentials that are set", async () => {
    const { connector, seen } = scripted(async () => ({ rows: [], accountTimeZone: "UTC", currencyCode: "EUR" }));
    await new ConnectorReportSource(connector).fetchReport(stored({ refreshToken: "r", clientId: "c", clientSecret: "s", developerToken: "d" }), request);
    assert.deepEqual(seen, [{ refreshToken: "r", clientId: "c", clientSecret: "s", developerToken: "d" }]);
    assert.deepEqual(toConnectorCredentials(stored()), {});
  });

  it("makes daily rows hour null, keeps hourly rows' hour, and keeps action rows apart from the delivery row, never replacing it", async () => {
    const { connector } = scripted(async () => ({
      accountTimeZone: "Europe/Berlin",
      currencyCode: "EUR",
      rows: [
        { ...base, externalCampaignId: "111", date: "2026-11-01", impressions: 1000n, clicks: 40n, costMicros: 12_340_000n },
        { ...base, externalCampaignId: "111", date: "2026-11-01", conversionsMicros: 2_500_000n, revenueMicros: 75_000_000n, conversionAction: "501" },
        { ...base, externalCampaignId: "111", date: "2026-11-01", conversionsMicros: 500_000n, revenueMicros: 5_000_000n, conversionAction: "502" },
        { ...base, externalCampaignId: "222", date: "2026-11-01", impressions: 10n, clicks: 1n, costMicros: 10_000n },
        { ...base, externalCampaignId: "222", date: "2026-11-01", hour: 7, impressions: 3n },
      ],
    }));
    const report = await new ConnectorReportSource(connector).fetchReport(stored({ accessToken: "t" }), request);
    assert.deepEqual(
      report.rows.map((r) => r.hour),
      [null, null, null, null, 7],
    );
    assert.equal(report.refreshedCredentials, undefined);
    const rows = toReportRows(report, [{ campaignId: "c1", externalCampaignIds: ["111", "222"] }], "google", new Date("2026-11-03T00:00:00Z"));
    assert.deepEqual(
      rows.map((r) => [
        r.date,
        r.hour,
        r.conversionAction,
        r.impressions,
        r.clicks,
        r.costMicros,
        r.conversionsMicros,
        r.revenueMicros,
        r.currencyCode,
        r.timeZone,
      ]),
      [
        ["2026-11-01", null, "", 1010n, 41n, 12_350_000n, 0n, 0n, "EUR", "Europe/Berlin"],
        ["2026-11-01", null, "501", 0n, 0n, 0n, 2_500_000n, 75_000_000n, "EUR", "Europe/Berlin"],
        ["2026-11-01", null, "502", 0n, 0n, 0n, 500_000n, 5_000_000n, "EUR", "Europe/Berlin"],
        ["2026-11-01", 7, "", 3n, 0n, 0n, 0n, 0n, "EUR", "Europe/Berlin"],
      ],
    );
  });

  const cases: [PlatformErrorReason, boolean, RegExp][] = [
    ["AUTH_REQUIRED", true, /^Google Ads refused the credentials; reconnect the account \(google: GET \/x: expired\)$/],
    ["REQUEST_REFUSED", false, /^Google Ads refused the request; check the account id/],
    ["RATE_LIMITED", false, /^Google Ads is throttling this account; the sync will retry later/],
    ["UNAVAILABLE", false, /^Google Ads did not answer; the sync will retry/],
    ["BAD_RESPONSE", false, /^Google Ads answered something Tally cannot read/],
  ];
  for (const [reason, permanent, message] of cases) {
    it(`turns ${reason} into a ${permanent ? "permanent" : "transient"} ReportSourceError`, async () => {
      const { connector } = scripted(async () => {
        throw new PlatformError(
          "google",
          reason,
          reason === "AUTH_REQUIRED" ? "GET /x: expired" : "GET /x: no",
          reason === "RATE_LIMITED" ? 300_000 : undefined,
        );
      });
      const err = await new ConnectorReportSource(connector).fetchReport(stored({ accessToken: "t" }), request).catch((e: unknown) => e);
      assert.ok(err instanceof ReportSourceError);
      assert.equal(err.permanent, permanent);
      assert.match(err.message, message);
      assert.equal(err.retryAfterMs, reason === "RATE_LIMITED" ? 300_000 : undefined);
      assert.equal(err.refreshedCredentials, undefined);
    });
  }

  it("keeps a token refreshed before a failure on the error, to be stored", async () => {
    const { connector } = scripted(async (options) => {
      await options.onTokenRefreshed?.({ accessToken: "new", refreshToken: "rotated", clientId: "c", clientSecret: "s" });
      throw new PlatformError("google", "RATE_LIMITED", "later", 200_000);
    });
    const err = (await new ConnectorReportSource(connector)
      .fetchReport(stored({ refreshToken: "old", clientId: "c", clientSecret: "s" }), request)
      .catch((e: unknown) => e)) as ReportSourceError;
    assert.deepEqual(err.refreshedCredentials, stored({ accessToken: "new", refreshToken: "rotated", clientId: "c", clientSecret: "s" }));
    assert.equal(err.retryAfterMs, 200_000);
  });

  it("lets errors that are not the platform's through unchanged (the runner names them by class only)", async () => {
    const boom = new TypeError("bug");
    const { connector } = scripted(async () => {
      throw boom;
    });
    assert.equal(await new ConnectorReportSource(connector).fetchReport(stored({ accessToken: "t" }), request).catch((e: unknown) => e), boom);
  });

  it("against the Google Ads fake: an expired token is refreshed once and returned as credentials to store, rows exact", async (t) => {
    const account = new FakeAccount({
      accountId: "1234567890",
      campaignIds: ["111", "222"],
      timeZone: "Europe/Berlin",
      currencyCode: "EUR",
      conversionActions: ["501", "502"],
      fractionalConversions: true,
    });
    const secrets = { refreshToken: "1//refresh-secret", clientId: "client.apps", clientSecret: "GOCSPX-secret", developerToken: "dev-secret" };
    const server = await startGoogleAdsFake({ account, accessToken: "ya29.valid", ...secrets });
    t.after(() => server.close());
    server.controls.expireTokens();
    const source = new ConnectorReportSource(
      new GoogleAdsConnector({ baseUrl: server.baseUrl, tokenUrl: server.tokenUrl }, createRuntime({ sleep: async () => undefined, random: () => 0 })),
    );
    const report = await source.fetchReport(stored({ accessToken: "ya29.expired", ...secrets }), request);
    assert.equal(server.controls.tokenRefreshes, 1);
    const refreshed = report.refreshedCredentials!;
    assert.ok(server.controls.validTokens.has(refreshed.accessToken));
    assert.deepEqual({ ...refreshed, accessToken: "" }, stored(secrets));

    const rows = toReportRows(report, [{ campaignId: "c1", externalCampaignIds: ["222"] }], "google", new Date()).filter((r) => r.date === "2026-11-02");
    const day = account.day("222", "2026-11-02");
    // The delivery row, then one row per conversion action (conversions and revenue only).
    assert.deepEqual(
      rows.map((r) => [r.conversionAction, r.impressions, r.clicks, r.costMicros, r.conversionsMicros, r.revenueMicros, r.hour, r.region]),
      [
        ["", day.impressions, day.clicks, day.costMicros, 0n, 0n, null, "ZZ"],
        ...day.conversions.map((c) => [c.action, 0n, 0n, 0n, c.conversionsMicros, c.revenueMicros, null, "ZZ"]),
      ],
    );
  });

  it("builds one source per connector", () => {
    assert.deepEqual(Object.keys(reportSourcesOf(createPlatformConnectors())).sort(), ["google", "linkedin", "meta", "tiktok"]);
  });
});
