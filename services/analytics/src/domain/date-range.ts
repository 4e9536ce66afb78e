/**
 * Report date ranges: YYYY-MM-DD calendar dates (inclusive) read in an IANA time zone.
 * Validation records every problem in a Violations collector so a caller hears about all of them.
 */
import { DateTime } from "luxon";
import { calendarDateProblem } from "#common/contract/time-bounds.js";
import { isIanaTimeZone } from "#common/contract/time-zone.js";
import type { Violations } from "#common/errors.js";
import type { Granularity, LocalDateRange } from "./buckets.js";

/** Longest range for any granularity, in days (inclusive): a little more than a year, for year-over-year. */
export const MAX_RANGE_DAYS = 400;
/** Longest range for HOUR buckets: 31 days is at most 745 rows per breakdown combination. */
export const MAX_HOUR_RANGE_DAYS = 31;
/** The default range is the last 30 days including today. */
export const DEFAULT_RANGE_DAYS = 30;

/** Why a date string is not a usable calendar date (the one rule: 1970-01-01..2100-12-31), or null. */
export const dateProblem = calendarDateProblem;

/**
 * The zone name to use, or null when it is not an IANA zone. Letter case is fixed to the canonical
 * spelling, but the caller's name is kept otherwise (Intl would turn Asia/Kolkata into Asia/Calcutta).
 */
// Checking a zone builds an Intl.DateTimeFormat, which cost ~18% of a cached insights request.
// Only valid names are remembered (a few hundred exist), so bad input cannot grow the map.
const knownZones = new Map<string, string>();

export function normalizeTimeZone(name: string): string | null {
  const known = knownZones.get(name);
  if (known) return known;
  if (!isIanaTimeZone(name)) return null;
  const canonical = new Intl.DateTimeFormat("en-US", { timeZone: name }).resolvedOptions().timeZone;
  const normalized = canonical.toLowerCase() === name.toLowerCase() ? canonical : name;
  knownZones.set(name, normalized);
  return normalized;
}

export function todayIn(timeZone: string, now: Date): string {
  return DateTime.fromJSDate(now, { zone: timeZone }).toISODate()!;
}

/** Calendar arithmetic on YYYY-MM-DD strings (no time zone involved). */
export function addDays(date: string, days: number): string {
  return DateTime.fromISO(date, { zone: "UTC" }).plus({ days }).toISODate()!;
}

export function daysInclusive(startDate: string, endDate: string): number {
  const ms = DateTime.fromISO(endDate, { zone: "UTC" }).toMillis() - DateTime.fromISO(startDate, { zone: "UTC" }).toMillis();
  return Math.round(ms / 86_400_000) + 1;
}

export function maxRangeDays(granularity: Granularity): number {
  return granularity === "HOUR" ? MAX_HOUR_RANGE_DAYS : MAX_RANGE_DAYS;
}

export interface DateRangeInput {
  /** Empty means "use the default". */
  startDate: string;
  endDate: string;
}

/** Checks what does not need the time zone; returns whether both given dates are well-formed. */
export function checkDates(input: DateRangeInput, v: Violations): boolean {
  let ok = true;
  for (const [field, value] of [
    ["start_date", input.startDate],
    ["end_date", input.endDate],
  ] as const) {
    const problem = value === "" ? null : dateProblem(value);
    if (problem) ok = v.check(false, field, problem) && ok;
  }
  return ok;
}

/** Records a start after the end, or a span longer than the granularity allows. */
export function checkOrderAndSpan(range: { startDate: string; endDate: string }, granularity: Granularity, v: Violations, endLabel?: string): void {
  const { startDate, endDate } = range;
  if (startDate > endDate) {
    v.add("start_date", `${startDate} is after end_date (${endLabel ?? endDate})`);
    return;
  }
  const days = daysInclusive(startDate, endDate);
  const max = maxRangeDays(granularity);
  v.check(days <= max, "end_date", `the range spans ${days} days; at most ${max} are allowed${granularity === "HOUR" ? " for GRANULARITY_HOUR" : ""}`);
}

/**
 * Fills the defaults (end: today in the zone; start: 29 days before the end) and, when a default
 * was used, checks order and span (checkInsightsInput already did when both dates were given).
 */
export function resolveDateRange(input: DateRangeInput, timeZone: string, granularity: Granularity, now: Date, v: Violations): LocalDateRange {
  const endDate = input.endDate || todayIn(timeZone, now);
  const startDate = input.startDate || addDays(endDate, -(DEFAULT_RANGE_DAYS - 1));
  if (!input.startDate || !input.endDate) {
    checkOrderAndSpan({ startDate, endDate }, granularity, v, input.endDate ? undefined : `today, ${endDate}`);
  }
  return { startDate, endDate, timeZone };
}
