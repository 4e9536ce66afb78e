import {
  PlatformConnectionStatus,
  PlatformFetchJobState,
  ReceiptStatus as ReceiptStatusProto,
  type PlatformConnection as PbConnection,
  type PlatformFetchJob as PbFetchJob,
  type PlatformReportRow as PbReportRow,
  type AdEvent,
  type Receipt as ReceiptProto,
  type ReceiptCounts as ReceiptCountsProto,
} from "#gen/tally/ingestion/v1/ingestion.js";
import { eventKindOf } from "#common/contract/event-type.js";
import type { IncomingEvent } from "../domain/ad-event.js";
import type { FetchJob } from "../domain/fetch-jobs.js";
import type { ConnectionInput, ConnectionStatus, PlatformConnection } from "../domain/platform-connection.js";
import type { IncomingReportRow } from "../domain/platform-report.js";
import type { Receipt, ReceiptCounts, ReceiptStatus } from "../domain/receipt.js";

const STATUSES: Record<ReceiptStatus, ReceiptStatusProto> = {
  ACCEPTED: ReceiptStatusProto.RECEIPT_STATUS_ACCEPTED,
  DUPLICATE: ReceiptStatusProto.RECEIPT_STATUS_DUPLICATE,
  FILTERED: ReceiptStatusProto.RECEIPT_STATUS_FILTERED,
  REJECTED: ReceiptStatusProto.RECEIPT_STATUS_REJECTED,
};

/** int64 arrives as a decimal string; an unparsable one cannot pass the ≥ 0 checks. */
function micros(value: string): bigint {
  try {
    return BigInt(value || "0");
  } catch {
    return -1n;
  }
}

/** inputProblem: the first violation the input boundary found in this event (kit.input.itemProblems). */
export function eventFromProto(e: AdEvent, inputProblem: { field: string; description: string } | null = null): IncomingEvent {
  return {
    inputProblem,
    eventId: e.eventId,
    campaignId: e.campaignId,
    type: eventKindOf(e.type),
    platform: e.platform,
    region: e.region,
    occurTime: e.occurTime ?? null,
    valueMicros: micros(e.valueMicros),
    costMicros: micros(e.costMicros),
    currencyCode: e.currencyCode,
    userAgent: e.userAgent,
    ip: e.ip,
    attributes: e.attributes ?? {},
    conversionAction: e.conversionAction,
  };
}

export function receiptToProto(r: Receipt): ReceiptProto {
  return { index: r.index, eventId: r.eventId, status: STATUSES[r.status], reason: r.reason, field: r.field, message: r.message };
}

export function countsToProto(c: ReceiptCounts): ReceiptCountsProto {
  return { accepted: String(c.accepted), duplicate: String(c.duplicate), filtered: String(c.filtered), rejected: String(c.rejected) };
}

/** A report row; inputProblem as for events. */
export function reportRowFromProto(r: PbReportRow, inputProblem: { field: string; description: string } | null = null): IncomingReportRow {
  return {
    inputProblem,
    campaignId: r.campaignId,
    platform: r.platform,
    region: r.region,
    date: r.date,
    hour: r.hour ?? null,
    impressions: micros(r.impressions),
    clicks: micros(r.clicks),
    conversions: micros(r.conversions),
    conversionsMicros: micros(r.conversionsMicros),
    costMicros: micros(r.costMicros),
    revenueMicros: micros(r.revenueMicros),
    currencyCode: r.currencyCode,
    timeZone: r.timeZone,
    reportTime: r.reportTime ?? null,
    conversionAction: r.conversionAction,
  };
}

export function connectionInputFromProto(c: PbConnection | undefined): ConnectionInput {
  const k = c?.credentials;
  return {
    platform: c?.platform ?? "",
    accountId: c?.accountId ?? "",
    displayName: c?.displayName ?? "",
    credentials: k
      ? {
          accessToken: k.accessToken,
          refreshToken: k.refreshToken,
          clientId: k.clientId,
          clientSecret: k.clientSecret,
          developerToken: k.developerToken,
          loginCustomerId: k.loginCustomerId,
        }
      : null,
  };
}

const CONNECTION_STATUSES: Record<ConnectionStatus, PlatformConnectionStatus> = {
  ACTIVE: PlatformConnectionStatus.PLATFORM_CONNECTION_STATUS_ACTIVE,
  ERROR: PlatformConnectionStatus.PLATFORM_CONNECTION_STATUS_ERROR,
  DISABLED: PlatformConnectionStatus.PLATFORM_CONNECTION_STATUS_DISABLED,
};

/** Built field by field from a domain value that holds no credentials: none can slip into a response. */
export function connectionToProto(c: PlatformConnection): PbConnection {
  return {
    id: c.id,
    platform: c.platform,
    accountId: c.accountId,
    displayName: c.displayName,
    credentials: undefined,
    status: CONNECTION_STATUSES[c.status],
    lastSyncTime: c.lastSyncTime ?? undefined,
    lastError: c.lastError,
    lastErrorTime: c.lastErrorTime ?? undefined,
    nextSyncTime: c.nextSyncTime,
    accountTimeZone: c.accountTimeZone,
    createTime: c.createTime,
  };
}

const JOB_STATES: Record<FetchJob["state"], PlatformFetchJobState> = {
  PENDING: PlatformFetchJobState.PLATFORM_FETCH_JOB_STATE_PENDING,
  RUNNING: PlatformFetchJobState.PLATFORM_FETCH_JOB_STATE_RUNNING,
  SUCCEEDED: PlatformFetchJobState.PLATFORM_FETCH_JOB_STATE_SUCCEEDED,
  FAILED: PlatformFetchJobState.PLATFORM_FETCH_JOB_STATE_FAILED,
};

export function jobToProto(j: FetchJob): PbFetchJob {
  return {
    id: j.id,
    campaignId: j.campaignId,
    platforms: j.links.map((l) => l.platform),
    startDate: j.startDate,
    endDate: j.endDate,
    state: JOB_STATES[j.state],
    rows: String(j.rows),
    rowsByPlatform: Object.fromEntries(Object.entries(j.rowsByPlatform).map(([k, n]) => [k, String(n)])),
    counts: countsToProto(j.counts),
    errors: j.errors.map((e) => ({ platform: e.platform, connectionId: e.connectionId, reason: e.reason, message: e.message })),
    createTime: j.createTime,
    startTime: j.startTime ?? undefined,
    endTime: j.endTime ?? undefined,
  };
}
