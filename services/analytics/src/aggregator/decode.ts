/**
 * ad-events message value → domain events or a report, or the reason it must go to the dead-letter
 * topic. A message carries one event, one report or a batch of events; decoding never throws: one
 * bad message must not stop its partition.
 */
import { AdEventEnvelope, type AdEventRecord, type PlatformReportRecord } from "#gen/tally/events/v1/events.js";
import { normaliseConversionAction } from "#common/contract/conversion-action.js";
import { eventKindOf } from "#common/contract/event-type.js";
import { normalisePlatform, platformProblem } from "#common/contract/platform.js";
import { normaliseRegion } from "#common/contract/region.js";
import { isIanaTimeZone } from "#common/contract/time-zone.js";
import { quoteValue } from "#common/input/text-rules.js";
import type { PlatformReport, TrackedEvent } from "../domain/ad-events.js";
import { dateProblem } from "../domain/date-range.js";
import { eventProblem, reportProblem } from "./record-limits.js";

/**
 * Stable reasons, carried in the dead letter's headers. STORE_REFUSED is not decode's: the flush
 * gives it to a record Postgres refused although it passed every check here.
 */
export type DeadLetterReason = "EMPTY_VALUE" | "UNDECODABLE" | "NO_PAYLOAD" | "EMPTY_BATCH" | "INVALID_EVENT" | "INVALID_REPORT" | "STORE_REFUSED";

export type Decoded =
  | { kind: "event"; event: TrackedEvent }
  | { kind: "report"; report: PlatformReport }
  /**
   * value, when present, is what goes to the dead-letter topic instead of the message's own value:
   * the one invalid record of a batch, as a single-event envelope.
   */
  | { kind: "dead"; reason: DeadLetterReason; detail: string; value?: Buffer };

const INT64 = /^-?\d{1,19}$/;

const dead = (reason: DeadLetterReason, detail: string): Decoded => ({ kind: "dead", reason, detail });

/** Platform and region by the same contract rules ingestion applies (an empty platform is refused). */
function place(platform: string, region: string): { platform: string; region: string } | string {
  const p = normalisePlatform(platform);
  const r = normaliseRegion(region);
  if (p === null) return platform.trim() === "" ? `platform ${platformProblem(platform)}` : `platform ${quoteValue(platform)} is not a slug`;
  if (r === null) return `region ${quoteValue(region)} is not an alpha-2 code`;
  return { platform: p, region: r };
}

function toEvent(r: AdEventRecord, messageTime: Date): Decoded {
  const kind = eventKindOf(r.type);
  const missing = [!r.tenantId && "tenant_id", !r.eventId && "event_id", !r.campaignId && "campaign_id", !kind && "type", !r.occurTime && "occur_time"].filter(
    Boolean,
  );
  if (missing.length > 0) return dead("INVALID_EVENT", `missing or invalid: ${missing.join(", ")}`);
  if (Number.isNaN(r.occurTime!.getTime())) return dead("INVALID_EVENT", "occur_time is not a valid instant");
  if (!INT64.test(r.valueMicros) || !INT64.test(r.costMicros)) return dead("INVALID_EVENT", "value_micros or cost_micros is not an integer");
  const where = place(r.platform, r.region);
  if (typeof where === "string") return dead("INVALID_EVENT", where);
  const conversionAction = normaliseConversionAction(r.conversionAction);
  if (conversionAction === null) return dead("INVALID_EVENT", `conversion_action ${quoteValue(r.conversionAction)} is not a slug`);
  const event: TrackedEvent = {
    tenantId: r.tenantId,
    eventId: r.eventId,
    campaignId: r.campaignId,
    kind: kind!,
    ...where,
    occurTime: r.occurTime!,
    receiveTime: r.receiveTime ?? messageTime,
    valueMicros: BigInt(r.valueMicros),
    costMicros: BigInt(r.costMicros),
    filtered: r.filtered,
    // Only a conversion is tied to an action (ingestion refuses one elsewhere).
    conversionAction: kind === "CONVERSION" ? conversionAction : "",
  };
  // What Postgres would refuse fails here, alone, instead of failing the flush of its whole batch.
  const problem = eventProblem(event);
  if (problem) return dead("INVALID_EVENT", problem);
  return { kind: "event", event };
}

function toReport(r: PlatformReportRecord, messageTime: Date): Decoded {
  const missing = [!r.tenantId && "tenant_id", !r.campaignId && "campaign_id"].filter(Boolean);
  if (missing.length > 0) return dead("INVALID_REPORT", `missing: ${missing.join(", ")}`);
  const problem = dateProblem(r.date);
  if (problem) return dead("INVALID_REPORT", `date: ${problem}`);
  if (r.hour !== undefined && !(Number.isInteger(r.hour) && r.hour >= 0 && r.hour <= 23)) return dead("INVALID_REPORT", `hour ${r.hour} is not 0-23`);
  const numbers = [r.impressions, r.clicks, r.conversions, r.costMicros, r.revenueMicros, r.conversionsMicros || "0"];
  if (!numbers.every((n) => INT64.test(n))) return dead("INVALID_REPORT", "a metric is not an integer");
  if (r.timeZone !== "" && !isIanaTimeZone(r.timeZone)) return dead("INVALID_REPORT", `time_zone ${quoteValue(r.timeZone)} is not an IANA time zone`);
  const where = place(r.platform, r.region);
  if (typeof where === "string") return dead("INVALID_REPORT", where);
  const conversionAction = normaliseConversionAction(r.conversionAction);
  if (conversionAction === null) return dead("INVALID_REPORT", `conversion_action ${quoteValue(r.conversionAction)} is not a slug`);
  const [impressions, clicks, conversions, costMicros, revenueMicros, sentConversionsMicros] = numbers.map((n) => BigInt(n)) as [
    bigint,
    bigint,
    bigint,
    bigint,
    bigint,
    bigint,
  ];
  // A producer from before conversions_micros sends whole conversions only.
  const conversionsMicros = sentConversionsMicros === 0n ? conversions * 1_000_000n : sentConversionsMicros;
  const report: PlatformReport = {
    tenantId: r.tenantId,
    campaignId: r.campaignId,
    ...where,
    date: r.date,
    hour: r.hour ?? null,
    timeZone: r.timeZone,
    metrics: { impressions, clicks, conversions, costMicros, revenueMicros },
    conversionsMicros,
    reportTime: r.reportTime ?? messageTime,
    conversionAction,
  };
  const refused = reportProblem(report);
  if (refused) return dead("INVALID_REPORT", refused);
  return { kind: "report", report };
}

/**
 * An invalid record of a batch is dead-lettered alone, as the single-event envelope it would have
 * been before batching, so the DLQ looks the same either way; its siblings are applied as usual.
 */
function batchItem(r: AdEventRecord, index: number, messageTime: Date): Decoded {
  const d = toEvent(r, messageTime);
  if (d.kind !== "dead") return d;
  const value = Buffer.from(AdEventEnvelope.encode({ payload: { $case: "event", value: r } }).finish());
  return { ...d, detail: `batch events[${index}]: ${d.detail}`, value };
}

/** Everything one message carries, in order: one item, or one per event of a batch. */
export function decodeMessage(value: Buffer | null, messageTime: Date): Decoded[] {
  if (!value || value.length === 0) return [dead("EMPTY_VALUE", "the message has no value")];
  let envelope: AdEventEnvelope;
  try {
    envelope = AdEventEnvelope.decode(value);
  } catch (err) {
    return [dead("UNDECODABLE", `not a tally.events.v1.AdEventEnvelope: ${(err as Error).message}`)];
  }
  const payload = envelope.payload;
  if (!payload) return [dead("NO_PAYLOAD", "the envelope carries neither an event, a report nor a batch")];
  switch (payload.$case) {
    case "event":
      return [toEvent(payload.value, messageTime)];
    case "report":
      return [toReport(payload.value, messageTime)];
    case "batch": {
      const events = payload.value.events;
      if (events.length === 0) return [dead("EMPTY_BATCH", "the batch carries no events")];
      return events.map((r, i) => batchItem(r, i, messageTime));
    }
  }
}
