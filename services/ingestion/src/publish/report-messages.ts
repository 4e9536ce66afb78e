/**
 * ReportRecords → Kafka messages on `ad-events`: one AdEventEnvelope{report} per row, keyed by
 * campaign_id like events, so a campaign's restatements stay in order on its partition.
 */
import type { Message } from "kafkajs";
import { AdEventEnvelope, type PlatformReportRecord } from "#gen/tally/events/v1/events.js";
import type { ReportRecord } from "../domain/platform-report.js";

export function toPlatformReportRecord(r: ReportRecord): PlatformReportRecord {
  return {
    tenantId: r.tenantId,
    campaignId: r.campaignId,
    platform: r.platform,
    region: r.region,
    date: r.date,
    hour: r.hour ?? undefined,
    impressions: r.impressions.toString(),
    clicks: r.clicks.toString(),
    conversions: r.conversions.toString(),
    costMicros: r.costMicros.toString(),
    revenueMicros: r.revenueMicros.toString(),
    currencyCode: r.currencyCode,
    reportTime: r.reportTime,
    conversionsMicros: r.conversionsMicros.toString(),
    timeZone: r.timeZone,
    conversionAction: r.conversionAction,
  };
}

export function toReportMessages(records: ReportRecord[]): Message[] {
  return records.map((r) => ({
    key: r.campaignId,
    value: Buffer.from(AdEventEnvelope.encode({ payload: { $case: "report", value: toPlatformReportRecord(r) } }).finish()),
  }));
}
