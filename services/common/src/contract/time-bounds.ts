/**
 * Every instant and calendar date Tally accepts lies between 1970-01-01 and 2100-12-31 (DESIGN §2).
 * Below: before 1970 some zones used local mean time offsets that are not whole quarter hours.
 * Above: far-future values (year 9999) were stored and then could not be encoded again, which
 * broke every later read of the tenant's campaigns; 2100 leaves room for any real campaign.
 */
export const MIN_DATE = "1970-01-01";
export const MAX_DATE = "2100-12-31";
export const MIN_INSTANT = new Date("1970-01-01T00:00:00Z");
/** Timestamps carry nanoseconds; JS dates hold milliseconds, so .999 stands for .999999999. */
export const MAX_INSTANT = new Date("2100-12-31T23:59:59.999Z");

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Why a Date is not an acceptable instant, or null. */
export function instantProblem(t: Date): string | null {
  const ms = t.getTime();
  if (Number.isNaN(ms)) return "is not a valid timestamp";
  if (ms < MIN_INSTANT.getTime() || ms > MAX_INSTANT.getTime()) return `must lie between ${MIN_DATE}T00:00:00Z and ${MAX_DATE}T23:59:59.999999999Z`;
  return null;
}

/** Why a YYYY-MM-DD string is not an acceptable calendar date, or null. Quotes no input. */
export function calendarDateProblem(value: string): string | null {
  const m = DATE_PATTERN.exec(value);
  if (!m) return "is not a date in the form YYYY-MM-DD";
  // The pattern makes the value short and safe to quote; years below 100 fail the range first.
  if (value < MIN_DATE || value > MAX_DATE) return `${value} is outside ${MIN_DATE}..${MAX_DATE}`;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const day = new Date(Date.UTC(y, mo - 1, d));
  if (day.getUTCFullYear() !== y || day.getUTCMonth() !== mo - 1 || day.getUTCDate() !== d) return `${value} is not a real calendar date`;
  return null;
}
