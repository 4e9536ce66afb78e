/**
 * Report buckets in a report time zone. Rollups are stored in 15-minute UTC buckets; every zone in
 * use today has an offset that is a multiple of 15 minutes, so any local hour, day, ISO week or
 * month is an exact union of rollup buckets — across DST changes and +05:45 / -09:30 zones too.
 *
 * Each bucket has a `key` that the SQL grouping (store/insights-query.ts) produces for the same
 * rows, so rows from the database and the enumerated buckets meet without time arithmetic:
 * DAY/WEEK/MONTH — the local date of the unclipped bucket start (what `date_trunc(unit, local)`
 * gives); HOUR — the epoch milliseconds of the local hour's first instant (a repeated fall-back
 * hour stays two buckets); TOTAL — "total".
 */
import { DateTime, IANAZone } from "luxon";

export type Granularity = "HOUR" | "DAY" | "WEEK" | "MONTH" | "TOTAL";

/** An inclusive range of local calendar dates (YYYY-MM-DD) in a report time zone. */
export interface LocalDateRange {
  startDate: string;
  endDate: string;
  timeZone: string;
}

/** A half-open UTC interval [start, end). */
export interface UtcInterval {
  start: Date;
  end: Date;
}

export interface Bucket {
  /** Matches the SQL grouping key; see the file comment. */
  key: string;
  /** First local day covered (YYYY-MM-DD), with `THH:MM` for HOUR. */
  label: string;
  /** The UTC instants the bucket covers, clipped to the range; absent for TOTAL. */
  interval?: UtcInterval;
}

export const ROLLUP_BUCKET_MS = 15 * 60 * 1000;
export const TOTAL_KEY = "total";

/** Start (epoch ms) of the 15-minute UTC rollup bucket holding an instant. */
export function rollupBucketStart(epochMs: number): number {
  return Math.floor(epochMs / ROLLUP_BUCKET_MS) * ROLLUP_BUCKET_MS;
}

function localMidnight(date: string, timeZone: string): DateTime {
  // A local midnight that DST skips (e.g. America/Santiago) becomes the first instant of the day.
  return DateTime.fromISO(date, { zone: timeZone }).startOf("day");
}

/** The UTC instants of a local date range: [first local midnight, midnight after the end date). */
export function rangeToUtc(range: LocalDateRange): UtcInterval {
  const start = localMidnight(range.startDate, range.timeZone);
  const end = localMidnight(range.endDate, range.timeZone).plus({ days: 1 }).startOf("day");
  return { start: start.toJSDate(), end: end.toJSDate() };
}

/** Buckets of a range in order; HOUR → local clock hours, WEEK → ISO weeks (Monday). */
export function enumerateBuckets(range: LocalDateRange, granularity: Granularity): Bucket[] {
  const utc = rangeToUtc(range);
  switch (granularity) {
    case "TOTAL":
      return [{ key: TOTAL_KEY, label: range.startDate }];
    case "HOUR":
      return hourBuckets(utc, range.timeZone);
    case "DAY":
      return calendarBuckets(utc, range, "day");
    case "WEEK":
      return calendarBuckets(utc, range, "week");
    case "MONTH":
      return calendarBuckets(utc, range, "month");
  }
}

type CalendarUnit = "day" | "week" | "month";
const ONE: Record<CalendarUnit, { days: number } | { weeks: number } | { months: number }> = {
  day: { days: 1 },
  week: { weeks: 1 },
  month: { months: 1 },
};

function calendarBuckets(utc: UtcInterval, range: LocalDateRange, unit: CalendarUnit): Bucket[] {
  const buckets: Bucket[] = [];
  const zone = range.timeZone;
  // Luxon's startOf("week") is the ISO week (Monday), like Postgres date_trunc('week').
  let cursor = localMidnight(range.startDate, zone).startOf(unit);
  while (cursor.toMillis() < utc.end.getTime()) {
    const next = cursor.plus(ONE[unit]).startOf(unit);
    const start = Math.max(cursor.toMillis(), utc.start.getTime());
    const end = Math.min(next.toMillis(), utc.end.getTime());
    buckets.push({
      key: cursor.toISODate()!,
      label: DateTime.fromMillis(start, { zone }).toISODate()!,
      interval: { start: new Date(start), end: new Date(end) },
    });
    cursor = next;
  }
  return buckets;
}

/** The first instant of the local clock hour holding a 15-minute-aligned instant. */
export function localHourStart(epochMs: number, zone: IANAZone): number {
  const localMs = epochMs + zone.offset(epochMs) * 60_000;
  const minuteOfHour = ((Math.floor(localMs / 60_000) % 60) + 60) % 60;
  return epochMs - minuteOfHour * 60_000;
}

function hourBuckets(utc: UtcInterval, timeZone: string): Bucket[] {
  const zone = IANAZone.create(timeZone);
  const buckets: Bucket[] = [];
  // Walk the rollup grid: the hours are exactly the distinct local-hour starts the SQL computes.
  // A bucket's first instant is usually its key, but not after a 30-minute DST fall-back
  // (Australia/Lord_Howe), where the repeated half hour belongs to an hour that "began" earlier.
  for (let t = utc.start.getTime(); t < utc.end.getTime(); t += ROLLUP_BUCKET_MS) {
    const key = String(localHourStart(t, zone));
    const last = buckets[buckets.length - 1];
    if (last?.key === key) {
      last.interval!.end = new Date(t + ROLLUP_BUCKET_MS);
      continue;
    }
    const label = DateTime.fromMillis(t, { zone: timeZone }).toFormat("yyyy-MM-dd'T'HH':00'");
    buckets.push({ key, label, interval: { start: new Date(t), end: new Date(t + ROLLUP_BUCKET_MS) } });
  }
  return buckets;
}

/** The key of the bucket that holds an instant (the JS twin of the SQL grouping; for tests and reports). */
export function bucketKey(instant: Date, timeZone: string, granularity: Granularity): string {
  if (granularity === "TOTAL") return TOTAL_KEY;
  const ms = rollupBucketStart(instant.getTime());
  if (granularity === "HOUR") return String(localHourStart(ms, IANAZone.create(timeZone)));
  const unit: CalendarUnit = granularity === "DAY" ? "day" : granularity === "WEEK" ? "week" : "month";
  return DateTime.fromMillis(ms, { zone: timeZone }).startOf(unit).toISODate()!;
}
