/**
 * Pulling ad-platform reports: one account's rows for the campaigns linked to it, summed per report
 * key and ingested through IngestPlatformReport (the same receipts, the same snapshot records), by
 * scheduled syncs and by FetchPlatformData jobs alike. Pure: the ports are below.
 */
import { slugifyConversionAction } from "#common/contract/conversion-action.js";
import type { IngestPlatformReport, IncomingReportRow } from "./platform-report.js";
import type { PlatformCredentials } from "./platform-connection.js";
import type { ReportSource, SourceReport } from "./report-source.js";
import { emptyCounts, type ReceiptCounts } from "./receipt.js";

const DAY_MS = 86_400_000;

/** A campaign and the external campaigns it covers on one platform. */
export interface LinkedCampaign {
  campaignId: string;
  externalCampaignIds: string[];
}

export interface PullInput {
  tenantId: string;
  platform: string;
  accountId: string;
  credentials: PlatformCredentials;
  campaigns: LinkedCampaign[];
  startDate: string;
  endDate: string;
}

export interface PullOutcome {
  /** Rows ingested (after summing external campaigns per key). */
  rows: number;
  counts: ReceiptCounts;
  accountTimeZone: string;
  refreshedCredentials?: PlatformCredentials;
  /** The first problems of rejected rows, for the job's or connection's error. */
  rejected: string[];
}

/** Today in zone (YYYY-MM-DD). */
export function dateIn(zone: string, at: Date): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone: zone || "UTC", year: "numeric", month: "2-digit", day: "2-digit" }).format(at);
}

export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** The lookback window ending today in the account's zone: re-read on every sync so restatements land. */
export function lookbackWindow(accountTimeZone: string, lookbackDays: number, now: Date): { startDate: string; endDate: string } {
  const endDate = dateIn(accountTimeZone, now);
  return { startDate: addDays(endDate, -(lookbackDays - 1)), endDate };
}

/**
 * Exponential backoff after consecutive failures, capped: base, 2·base, 4·base, … ≤ max. A
 * failing connection waits on its own schedule and never delays another's.
 */
export function backoffMs(consecutiveFailures: number, baseMs: number, maxMs: number): number {
  const exponent = Math.min(Math.max(consecutiveFailures - 1, 0), 30);
  return Math.min(maxMs, baseMs * 2 ** exponent);
}

/**
 * The next run of a periodic sync: the first period boundary after now, counted from the run it
 * replaces, so runs stay on their grid (once per period) whoever ran them and however late.
 */
export function nextPeriodic(scheduled: Date, intervalMs: number, now: Date): Date {
  const behind = now.getTime() - scheduled.getTime();
  const periods = behind < 0 ? 1 : Math.floor(behind / intervalMs) + 1;
  return new Date(scheduled.getTime() + periods * intervalMs);
}

/**
 * The conversion action a platform's own action name is counted under: the name's last segment
 * (after the last `/` or `.`), slugified — Meta `offsite_conversion.fb_pixel_purchase` →
 * `fb_pixel_purchase`, Google `customers/1/conversionActions/901` → `901`. A per-connection mapping
 * of platform actions to the tenant's own actions (so both become `purchase`) is not built yet.
 * "" (the delivery row) when the row has no action.
 */
export function platformActionSlug(action: string | undefined): string {
  if (!action) return "";
  return slugifyConversionAction(action.slice(Math.max(action.lastIndexOf("/"), action.lastIndexOf(".")) + 1)) || slugifyConversionAction(action);
}

/**
 * Rows of the source summed per (campaign, region, date, hour, conversion action): a campaign may
 * cover several external campaigns. A row per action stays its own row (its own snapshot key).
 */
export function toReportRows(report: SourceReport, campaigns: LinkedCampaign[], platform: string, reportTime: Date): IncomingReportRow[] {
  const campaignsOf = new Map<string, string[]>();
  for (const c of campaigns) for (const ext of c.externalCampaignIds) campaignsOf.set(ext, [...(campaignsOf.get(ext) ?? []), c.campaignId]);
  const sums = new Map<string, IncomingReportRow>();
  for (const r of report.rows) {
    for (const campaignId of campaignsOf.get(r.externalCampaignId) ?? []) {
      const region = r.region === "" ? "ZZ" : r.region;
      const conversionAction = platformActionSlug(r.conversionAction);
      const key = `${campaignId}\u0000${region}\u0000${r.date}\u0000${r.hour ?? -1}\u0000${conversionAction}`;
      const sum = sums.get(key);
      if (sum) {
        sum.impressions += r.impressions;
        sum.clicks += r.clicks;
        sum.conversionsMicros += r.conversionsMicros;
        sum.costMicros += r.costMicros;
        sum.revenueMicros += r.revenueMicros;
      } else {
        sums.set(key, {
          campaignId,
          platform,
          region,
          date: r.date,
          hour: r.hour,
          impressions: r.impressions,
          clicks: r.clicks,
          conversions: 0n,
          conversionsMicros: r.conversionsMicros,
          costMicros: r.costMicros,
          revenueMicros: r.revenueMicros,
          currencyCode: r.currencyCode || report.currencyCode,
          timeZone: report.accountTimeZone,
          reportTime,
          conversionAction,
        });
      }
    }
  }
  return [...sums.values()];
}

/** Fetches one account's report for the linked campaigns and ingests it in batches. */
export async function pullAccount(
  deps: { source: ReportSource; ingest: IngestPlatformReport; maxBatch: number; clock: () => Date },
  input: PullInput,
): Promise<PullOutcome> {
  const externalCampaignIds = [...new Set(input.campaigns.flatMap((c) => c.externalCampaignIds))];
  const report = await deps.source.fetchReport(input.credentials, {
    accountId: input.accountId,
    externalCampaignIds,
    startDate: input.startDate,
    endDate: input.endDate,
  });
  const rows = toReportRows(report, input.campaigns, input.platform, deps.clock());
  const counts = emptyCounts();
  const rejected: string[] = [];
  for (let i = 0; i < rows.length; i += deps.maxBatch) {
    const out = await deps.ingest({ tenantId: input.tenantId, rows: rows.slice(i, i + deps.maxBatch) });
    for (const k of ["accepted", "duplicate", "filtered", "rejected"] as const) counts[k] += out.counts[k];
    for (const r of out.receipts) if (r.status === "REJECTED" && rejected.length < 5) rejected.push(`${r.reason}: ${r.message}`);
  }
  return { rows: rows.length, counts, accountTimeZone: report.accountTimeZone, refreshedCredentials: report.refreshedCredentials, rejected };
}
