/**
 * The largest micros amount one event (or one report row metric) may carry: 1e15 micros is one
 * billion currency units. Bounding each input keeps every rollup sum far below 2^63 − 1
 * (≈ 9.2e18): over 9,000 maximal events must land in one bucket before a sum could wrap.
 */
export const MAX_EVENT_MICROS = 1_000_000_000_000_000n;
