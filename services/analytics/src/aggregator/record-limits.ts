/**
 * What the store can hold, checked per record before a flush writes it, so that a record Postgres
 * would refuse is dead-lettered alone instead of failing its whole batch (the bisection in
 * flush-isolation.ts is the safety net for what these rules do not foresee). The rules follow the
 * contract (DESIGN §2): NUL and ill-formed Unicode refused, micros within the per-event cap,
 * instants between 1970-01-01 and 2100-12-31. Ingestion refuses most of this at its boundary
 * already; the aggregator cannot assume every producer did.
 */
import { isEventMicros, MAX_EVENT_MICROS } from "#common/contract/money.js";
import { instantProblem as contractInstantProblem } from "#common/contract/time-bounds.js";
import { quoteValue, textProblem as contractTextProblem } from "#common/input/text-rules.js";
import type { PlatformReport, TrackedEvent } from "../domain/ad-events.js";

/**
 * The store's limit for an id, not the contract's (ingestion caps tighter): (tenant_id, event_id)
 * is a btree key, and Postgres refuses a key above 2,704 bytes.
 */
export const MAX_ID_BYTES = 512;
const MAX_INT64 = 2n ** 63n - 1n;

/** The contract's text rule (NUL, invalid UTF-8) plus the store's key size, with a short quote. */
function textProblem(field: string, value: string): string | null {
  const problem = contractTextProblem(value, Number.POSITIVE_INFINITY); // length: bytes, below
  if (problem !== null) return `${field} ${problem}: ${quoteValue(value, 40)}`;
  if (Buffer.byteLength(value, "utf8") > MAX_ID_BYTES) return `${field} is longer than ${MAX_ID_BYTES} bytes`;
  return null;
}

function instantProblem(field: string, at: Date): string | null {
  const problem = contractInstantProblem(at);
  return problem === null ? null : `${field} ${problem}`;
}

function microsProblem(field: string, micros: bigint): string | null {
  return isEventMicros(micros) ? null : `${field} ${micros} is outside 0..${MAX_EVENT_MICROS}`;
}

const first = (problems: (string | null)[]): string | null => problems.find((p) => p !== null) ?? null;

/** Why the store could not hold this event, or null. */
export function eventProblem(e: TrackedEvent): string | null {
  return first([
    textProblem("tenant_id", e.tenantId),
    textProblem("event_id", e.eventId),
    textProblem("campaign_id", e.campaignId),
    instantProblem("occur_time", e.occurTime),
    instantProblem("receive_time", e.receiveTime),
    microsProblem("value_micros", e.valueMicros),
    microsProblem("cost_micros", e.costMicros),
  ]);
}

/** Why the store could not hold this report row, or null. */
export function reportProblem(r: PlatformReport): string | null {
  const { impressions, clicks, conversions, costMicros, revenueMicros } = r.metrics;
  const counts = { impressions, clicks, conversions };
  return first([
    textProblem("tenant_id", r.tenantId),
    textProblem("campaign_id", r.campaignId),
    instantProblem("report_time", r.reportTime),
    ...Object.entries(counts).map(([field, n]) => (n >= 0n && n <= MAX_INT64 ? null : `${field} ${n} is outside 0..2^63-1`)),
    // A report row is one platform's day (or hour) of one campaign: the per-event cap holds for it too.
    microsProblem("cost_micros", costMicros),
    microsProblem("revenue_micros", revenueMicros),
    // 10^9 conversions in one row: the same bound as money, so the whole count × 10^6 always fits.
    microsProblem("conversions_micros", r.conversionsMicros),
  ]);
}
