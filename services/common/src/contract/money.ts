/**
 * Money bounds of the contract (DESIGN §2: money is int64 *_micros; sums can never wrap). One place,
 * imported by the ingestion boundary (refuses beyond it) and the aggregator (dead-letters beyond it).
 */

/**
 * The most one event may carry in value_micros or cost_micros: 10^9 major units of the campaign
 * currency (a billion dollars or euros, about six million US dollars in JPY, and still tens of
 * thousands in IDR or VND — above any single ad-attributed conversion or spend we know of).
 * Bounded per event, a sum of n events is at most n × 10^15, so int64 (≈ 9.22 × 10^18) could only
 * wrap after 9,223 maximal events in one bucket; the rollup sums are NUMERIC anyway (see
 * services/analytics/src/store/migrations.ts), so no number of events can overflow them.
 */
export const MAX_EVENT_MICROS = 1_000_000_000_000_000n;

/** The smallest value_micros or cost_micros an event may carry: refunds are not events. */
export const MIN_EVENT_MICROS = 0n;

/** True when micros is a whole number of micros within [MIN_EVENT_MICROS, MAX_EVENT_MICROS]. */
export function isEventMicros(micros: bigint): boolean {
  return micros >= MIN_EVENT_MICROS && micros <= MAX_EVENT_MICROS;
}
