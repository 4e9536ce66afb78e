/**
 * The lookback window re-read on every sync. Platforms restate recent days (late conversions,
 * invalid-click refunds), so each sync reads the last N days again and the snapshot rows replace
 * what was stored; 28 days covers Meta's and Google's default attribution windows.
 */
import { DateTime } from "luxon";

export const DEFAULT_LOOKBACK_DAYS = 28;

export interface DateRange {
  /** YYYY-MM-DD, inclusive, in the ad account's time zone. */
  startDate: string;
  endDate: string;
}

/** `days` calendar days ending today (inclusive) in `timeZone`: today's partial numbers included. */
export function lookbackRange(now: Date, timeZone: string, days = DEFAULT_LOOKBACK_DAYS): DateRange {
  if (!Number.isInteger(days) || days < 1) throw new RangeError(`lookback days must be a whole number ≥ 1, got ${days}`);
  const today = DateTime.fromJSDate(now, { zone: timeZone });
  if (!today.isValid) throw new RangeError(`unknown time zone: ${timeZone}`);
  return { startDate: today.minus({ days: days - 1 }).toISODate()!, endDate: today.toISODate()! };
}

/** Consecutive sub-ranges of at most `maxDays` days covering [startDate, endDate] (platform range limits). */
export function splitRange(range: DateRange, maxDays: number): DateRange[] {
  const parts: DateRange[] = [];
  const end = DateTime.fromISO(range.endDate, { zone: "UTC" });
  let start: DateTime = DateTime.fromISO(range.startDate, { zone: "UTC" });
  if (!start.isValid || !end.isValid || start > end) throw new RangeError(`invalid date range ${range.startDate}..${range.endDate}`);
  while (start <= end) {
    const last: DateTime = DateTime.min(start.plus({ days: maxDays - 1 }), end);
    parts.push({ startDate: start.toISODate()!, endDate: last.toISODate()! });
    start = last.plus({ days: 1 });
  }
  return parts;
}

/** Every date of the range, in order. */
export function datesOf(range: DateRange): string[] {
  return splitRange(range, 1).map((part) => part.startDate);
}

/** Inclusive number of days in the range. */
export function daysIn(range: DateRange): number {
  return Math.round(DateTime.fromISO(range.endDate).diff(DateTime.fromISO(range.startDate), "days").days) + 1;
}
