/**
 * The composition-root adapter between the connectors (PlatformConnector, real HTTP clients) and the
 * domain's ReportSource port that syncs and fetch jobs read through. It translates shapes and
 * failures, and nothing else:
 * - credentials: the domain's all-string record ↔ the connector's optional fields ("" = absent);
 * - rows: an unset hour becomes null (a daily row); per-conversion-action rows pass through with
 *   their action, which the sync keeps as snapshot rows of their own (platformActionSlug): they
 *   hold only conversions and revenue, so totals never double-count and insights can break
 *   conversions down by action;
 * - a token refreshed during the fetch comes back as refreshedCredentials, which the sync stores
 *   sealed;
 * - PlatformError reasons become ReportSourceErrors: AUTH_REQUIRED is permanent (the tenant must
 *   reconnect; the connection is disabled), everything else is transient and backs off, RATE_LIMITED
 *   no sooner than the platform asked. REQUEST_REFUSED (an account id or permission problem) is
 *   shown as the connection's error but not permanent: it backs off to the configured maximum and
 *   heals by itself once access is granted, and a wrong campaign link of one campaign does not
 *   disable the account for every other campaign.
 */
import type { PlatformCredentials as StoredCredentials } from "../domain/platform-connection.js";
import { ReportSourceError, type ReportRequest, type ReportSource, type ReportSources, type SourceReport } from "../domain/report-source.js";
import { PlatformError, type PlatformConnector, type PlatformCredentials, type PlatformSlug } from "./platform-connector.js";

const PLATFORM_NAMES: Record<PlatformSlug, string> = { meta: "Meta", google: "Google Ads", linkedin: "LinkedIn", tiktok: "TikTok" };

const CREDENTIAL_FIELDS = ["accessToken", "refreshToken", "clientId", "clientSecret", "developerToken", "loginCustomerId"] as const;

export function toConnectorCredentials(stored: StoredCredentials): PlatformCredentials {
  const out: PlatformCredentials = {};
  for (const k of CREDENTIAL_FIELDS) if (stored[k]) out[k] = stored[k];
  return out;
}

export function toStoredCredentials(credentials: PlatformCredentials): StoredCredentials {
  const out = {} as StoredCredentials;
  for (const k of CREDENTIAL_FIELDS) out[k] = credentials[k] ?? "";
  return out;
}

/**
 * What a person reads as the connection's last error or the job's error. The connector's message
 * never holds a credential (it names the call by method and path, never the query).
 */
export function toReportSourceError(err: PlatformError, refreshed?: PlatformCredentials): ReportSourceError {
  const name = PLATFORM_NAMES[err.platform];
  const more = { ...(refreshed ? { refreshedCredentials: toStoredCredentials(refreshed) } : {}) };
  switch (err.reason) {
    case "AUTH_REQUIRED":
      return new ReportSourceError(`${name} refused the credentials; reconnect the account (${err.message})`, true, more);
    case "REQUEST_REFUSED":
      return new ReportSourceError(
        `${name} refused the request; check the account id, the linked campaign ids and the account's access (${err.message})`,
        false,
        more,
      );
    case "RATE_LIMITED":
      return new ReportSourceError(`${name} is throttling this account; the sync will retry later (${err.message})`, false, {
        ...more,
        ...(err.retryAfterMs !== undefined ? { retryAfterMs: err.retryAfterMs } : {}),
      });
    case "UNAVAILABLE":
      return new ReportSourceError(`${name} did not answer; the sync will retry (${err.message})`, false, more);
    case "BAD_RESPONSE":
      return new ReportSourceError(`${name} answered something Tally cannot read (${err.message})`, false, more);
  }
}

export class ConnectorReportSource implements ReportSource {
  constructor(private readonly connector: PlatformConnector) {}

  async fetchReport(credentials: StoredCredentials, request: ReportRequest, opts: { signal?: AbortSignal } = {}): Promise<SourceReport> {
    let refreshed: PlatformCredentials | undefined;
    try {
      const report = await this.connector.fetchReport(toConnectorCredentials(credentials), request, {
        signal: opts.signal,
        onTokenRefreshed: async (c) => void (refreshed = c),
      });
      return {
        rows: report.rows.map((r) => ({
          externalCampaignId: r.externalCampaignId,
          date: r.date,
          hour: r.hour ?? null,
          region: r.region,
          impressions: r.impressions,
          clicks: r.clicks,
          conversionsMicros: r.conversionsMicros,
          costMicros: r.costMicros,
          revenueMicros: r.revenueMicros,
          currencyCode: r.currencyCode,
          ...(r.conversionAction ? { conversionAction: r.conversionAction } : {}),
        })),
        accountTimeZone: report.accountTimeZone,
        currencyCode: report.currencyCode,
        ...(refreshed ? { refreshedCredentials: toStoredCredentials(refreshed) } : {}),
      };
    } catch (err) {
      if (err instanceof PlatformError) throw toReportSourceError(err, refreshed);
      throw err;
    }
  }
}

/** The report sources by platform slug, one per connector. */
export function reportSourcesOf(connectors: Record<PlatformSlug, PlatformConnector>): ReportSources {
  return Object.fromEntries(Object.entries(connectors).map(([slug, connector]) => [slug, new ConnectorReportSource(connector)]));
}
