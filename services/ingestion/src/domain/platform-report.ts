/**
 * IngestPlatformReport: snapshot rows of an ad platform's report. Each row gets a receipt; an
 * accepted row is published to `ad-events` as a report envelope, where the aggregator keeps the
 * latest row per key (campaign, platform, region, date, hour, conversion action): a re-sent row
 * replaces, never adds; a row per action never replaces the delivery row (action "") or another action's.
 *
 * Dates stay in the zone the platform reported them in (the ad account's), carried with the row;
 * conversions are exact millionths (platforms report fractional conversions).
 */
import { conversionActionProblem, normaliseConversionAction } from "#common/contract/conversion-action.js";
import { MAX_EVENT_MICROS } from "#common/contract/money.js";
import { normalisePlatform } from "#common/contract/platform.js";
import { normaliseRegion } from "#common/contract/region.js";
import { calendarDateProblem } from "#common/contract/time-bounds.js";
import { isIanaTimeZone } from "#common/contract/time-zone.js";
import { AppError, unavailable, Violations } from "#common/errors.js";
import type { KnownCampaign } from "./ad-event.js";
import type { CampaignLookup } from "./ingest-events.js";
import { countReceipts, Reason, type EventProblem, type Receipt, type ReceiptCounts } from "./receipt.js";

export const MICROS_PER_CONVERSION = 1_000_000n;

/** One row as a client (or a sync) sent it. */
export interface IncomingReportRow {
  campaignId: string;
  platform: string;
  region: string;
  date: string;
  hour: number | null;
  impressions: bigint;
  clicks: bigint;
  conversions: bigint;
  conversionsMicros: bigint;
  costMicros: bigint;
  revenueMicros: bigint;
  currencyCode: string;
  /** The ad account's zone of date and hour; "" for the campaign's. */
  timeZone: string;
  reportTime: Date | null;
  /** As sent: "" for the row without an action. */
  conversionAction: string;
  inputProblem?: { field: string; description: string } | null;
}

/** What goes to `ad-events` (tally.events.v1.PlatformReportRecord). */
export interface ReportRecord {
  tenantId: string;
  campaignId: string;
  platform: string;
  region: string;
  date: string;
  hour: number | null;
  impressions: bigint;
  clicks: bigint;
  /** Whole part of conversionsMicros. */
  conversions: bigint;
  conversionsMicros: bigint;
  costMicros: bigint;
  revenueMicros: bigint;
  /** Always the campaign's. */
  currencyCode: string;
  /** Never empty: the row's zone, or the campaign's. */
  timeZone: string;
  reportTime: Date;
  /** Lowercase slug; "" for the row without an action (delivery and cost). Part of the key. */
  conversionAction: string;
}

/** Durably appends report records; resolves once every record is acknowledged. */
export interface ReportPublisher {
  publishReports(records: ReportRecord[]): Promise<void>;
}

export interface IngestReportInput {
  tenantId: string;
  rows: IncomingReportRow[];
  requestId?: string;
}

export interface IngestReportOutcome {
  receipts: Receipt[];
  counts: ReceiptCounts;
}

export type IngestPlatformReport = (input: IngestReportInput) => Promise<IngestReportOutcome>;

export interface IngestPlatformReportDeps {
  campaigns: CampaignLookup;
  publisher: ReportPublisher;
  rules: { maxBatch: number; lateDataWindowDays: number };
  clock?: () => Date;
}

const DAY_MS = 86_400_000;
const quote = (s: string) => JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);

/** Rows are named by their full path (`rows[2].currency_code`), index also in the receipt. */
function problemAt(i: number, reason: Reason, field: string, message: string): EventProblem {
  return { reason, field: `rows[${i}].${field}`, message };
}

type Checked =
  | { ok: true; row: Omit<ReportRecord, "tenantId" | "currencyCode" | "timeZone" | "reportTime">; currency: string; timeZone: string }
  | { ok: false; problem: EventProblem };

/** A row's own fields, in field order; the first problem wins. */
export function checkReportRow(r: IncomingReportRow, i: number, now: Date, lateDataWindowDays: number): Checked {
  const bad = (field: string, message: string, reason: Reason = Reason.INVALID_FIELD): Checked => ({
    ok: false,
    problem: problemAt(i, reason, field, message),
  });
  if (r.inputProblem) return bad(r.inputProblem.field, `${r.inputProblem.field} ${r.inputProblem.description}`);
  if (r.campaignId.trim() === "") return bad("campaign_id", "campaign_id is required", Reason.MISSING_FIELD);
  const platform = normalisePlatform(r.platform);
  if (r.platform.trim() === "") return bad("platform", "platform is required", Reason.MISSING_FIELD);
  if (platform === null) return bad("platform", `platform ${quote(r.platform)} is not a slug ([a-z0-9_]{1,32})`);
  const region = normaliseRegion(r.region);
  if (region === null) return bad("region", `region ${quote(r.region)} is not an ISO 3166-1 alpha-2 code (use ZZ or leave it empty when unknown)`);
  if (r.date === "") return bad("date", "date is required", Reason.MISSING_FIELD);
  const dateProblem = calendarDateProblem(r.date);
  if (dateProblem) return bad("date", `date ${dateProblem}`);
  // A day can begin up to 14 hours before UTC's; a row for a day that has not begun anywhere is wrong.
  const dayStart = Date.parse(`${r.date}T00:00:00Z`);
  if (dayStart - 14 * 3_600_000 > now.getTime()) return bad("date", `date ${r.date} has not begun in any time zone yet`);
  if (dayStart + DAY_MS + 14 * 3_600_000 < now.getTime() - lateDataWindowDays * DAY_MS) {
    return bad("date", `date ${r.date} is older than the late-data window of ${lateDataWindowDays} days`, Reason.DATE_TOO_OLD);
  }
  if (r.hour !== null && !(Number.isInteger(r.hour) && r.hour >= 0 && r.hour <= 23)) return bad("hour", "hour must be 0–23, or unset for a daily row");
  const timeZone = r.timeZone.trim();
  if (timeZone !== "" && !isIanaTimeZone(timeZone))
    return bad("time_zone", `time_zone ${quote(timeZone)} is not an IANA time zone such as America/Los_Angeles`);
  const conversionAction = normaliseConversionAction(r.conversionAction);
  if (conversionAction === null)
    return bad("conversion_action", `conversion_action ${quote(r.conversionAction)} ${conversionActionProblem(r.conversionAction)}`);
  const conversionsMicros = exactConversions(r);
  if (typeof conversionsMicros === "string")
    return bad(conversionsMicros === "conversions" ? "conversions" : "conversions_micros", conversionsProblem(conversionsMicros));
  return {
    ok: true,
    currency: r.currencyCode.trim().toUpperCase(),
    timeZone,
    row: {
      campaignId: r.campaignId,
      platform,
      region,
      date: r.date,
      hour: r.hour,
      impressions: r.impressions,
      clicks: r.clicks,
      conversions: conversionsMicros / MICROS_PER_CONVERSION,
      conversionsMicros,
      costMicros: r.costMicros,
      revenueMicros: r.revenueMicros,
      conversionAction,
    },
  };
}

/** conversions_micros, from whichever of the two the row sent; a field name when they cannot be reconciled. */
function exactConversions(r: IncomingReportRow): bigint | "conversions" | "conversions_micros" {
  const fromWhole = r.conversions * MICROS_PER_CONVERSION;
  if (fromWhole > MAX_EVENT_MICROS) return "conversions";
  if (r.conversionsMicros === 0n) return fromWhole;
  if (r.conversions !== 0n && r.conversionsMicros !== fromWhole) return "conversions_micros";
  return r.conversionsMicros;
}

function conversionsProblem(field: "conversions" | "conversions_micros"): string {
  return field === "conversions"
    ? `conversions must be at most ${MAX_EVENT_MICROS / MICROS_PER_CONVERSION}`
    : "conversions_micros must equal conversions × 1000000 when both are set; send fractional conversions in conversions_micros alone";
}

/** The campaign-dependent checks: it must exist for the tenant, be launched, and match currency. */
function checkCampaign(i: number, campaignId: string, currency: string, campaign: KnownCampaign | null): EventProblem | null {
  if (!campaign) return problemAt(i, Reason.CAMPAIGN_NOT_FOUND, "campaign_id", `campaign ${quote(campaignId)} not found`);
  if (campaign.status === "DRAFT")
    return problemAt(i, Reason.CAMPAIGN_NOT_LAUNCHED, "campaign_id", `campaign ${quote(campaignId)} is a DRAFT; launch it first`);
  if (currency !== "" && currency !== campaign.currencyCode) {
    return problemAt(i, Reason.CURRENCY_MISMATCH, "currency_code", `currency_code ${quote(currency)} differs from the campaign's ${campaign.currencyCode}`);
  }
  return null;
}

export function createIngestPlatformReport(deps: IngestPlatformReportDeps): IngestPlatformReport {
  const clock = deps.clock ?? (() => new Date());
  return async (input) => {
    const v = new Violations();
    v.check(
      input.rows.length >= 1 && input.rows.length <= deps.rules.maxBatch,
      "rows",
      `send between 1 and ${deps.rules.maxBatch} rows per request, got ${input.rows.length}`,
    );
    v.throwIfAny();
    const now = clock();
    const receipts = new Array<Receipt>(input.rows.length);
    const reject = (i: number, p: EventProblem) => (receipts[i] = { index: i, eventId: "", status: "REJECTED", ...p });
    const checked = input.rows.map((r, i) => checkReportRow(r, i, now, deps.rules.lateDataWindowDays));
    const ids = [...new Set(checked.flatMap((c) => (c.ok ? [c.row.campaignId] : [])))];
    const campaigns = await lookup(deps.campaigns, input, ids);
    const records: { index: number; record: ReportRecord }[] = [];
    checked.forEach((c, i) => {
      if (!c.ok) return void reject(i, c.problem);
      const campaign = campaigns.get(c.row.campaignId) ?? null;
      const problem = checkCampaign(i, c.row.campaignId, c.currency, campaign);
      if (problem) return void reject(i, problem);
      const reportTime = input.rows[i]!.reportTime ?? now;
      records.push({
        index: i,
        record: { ...c.row, tenantId: input.tenantId, currencyCode: campaign!.currencyCode, timeZone: c.timeZone || (campaign!.timeZone ?? ""), reportTime },
      });
    });
    if (records.length > 0) {
      try {
        await deps.publisher.publishReports(records.map((r) => r.record));
      } catch (err) {
        throw err instanceof AppError ? err : unavailable("event log (Kafka)", err);
      }
    }
    for (const { index } of records) receipts[index] = { index, eventId: "", status: "ACCEPTED", reason: "", field: "", message: "" };
    return { receipts, counts: countReceipts(receipts) };
  };
}

async function lookup(campaigns: CampaignLookup, input: IngestReportInput, ids: string[]): Promise<Map<string, KnownCampaign | null>> {
  try {
    const found = await Promise.all(ids.map((id) => campaigns.get(input.tenantId, id, input.requestId)));
    return new Map(ids.map((id, i) => [id, found[i] ?? null]));
  } catch (err) {
    throw err instanceof AppError ? err : unavailable("campaign service", err);
  }
}
