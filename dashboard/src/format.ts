/** Display formatting. Counts and micros arrive as int64 strings; they are shown exactly (BigInt), never through a lossy float where it matters. */

const intFormat = new Intl.NumberFormat("en-US");

/** "12345" → "12,345"; absent → "—". */
export function count(value: string | undefined): string {
  if (value === undefined || value === "") return "—";
  try {
    return intFormat.format(BigInt(value));
  } catch {
    return value;
  }
}

/** Micros of a currency → "$1,234.57" (rounded to the currency's minor unit for display). */
export function money(micros: string | undefined, currency = "USD"): string {
  if (micros === undefined || micros === "") return "—";
  let units: number;
  try {
    const m = BigInt(micros);
    // Whole units exactly, plus the fraction: exact for any int64.
    units = Number(m / 1_000_000n) + Number(m % 1_000_000n) / 1e6;
  } catch {
    return micros;
  }
  try {
    return new Intl.NumberFormat("en-US", { style: "currency", currency }).format(units);
  } catch {
    return `${units.toFixed(2)} ${currency}`;
  }
}

/** A fraction → "3.25 %"; absent (zero denominator) → "—". */
export function percent(fraction: number | undefined, digits = 2): string {
  return fraction === undefined || fraction === null ? "—" : `${(fraction * 100).toFixed(digits)} %`;
}

/** ROAS 2.5 → "2.50×". */
export function multiple(value: number | undefined): string {
  return value === undefined || value === null ? "—" : `${value.toFixed(2)}×`;
}

/** Micros → a plain number of currency units for charts. */
export function unitsOfMicros(micros: string | undefined): number {
  return micros ? Number(micros) / 1e6 : 0;
}

export function num(value: string | undefined): number {
  return value ? Number(value) : 0;
}

const STATUS_LABEL: Record<string, string> = {
  CAMPAIGN_STATUS_DRAFT: "Draft",
  CAMPAIGN_STATUS_ACTIVE: "Active",
  CAMPAIGN_STATUS_PAUSED: "Paused",
  CAMPAIGN_STATUS_COMPLETED: "Completed",
  CAMPAIGN_STATUS_CANCELLED: "Cancelled",
};

export function statusLabel(status: string | undefined): string {
  return STATUS_LABEL[status ?? ""] ?? (status ?? "").replace(/^CAMPAIGN_STATUS_/, "").toLowerCase();
}

export function enumLabel(value: string | undefined, prefix: string): string {
  if (!value) return "—";
  const s = value.replace(prefix, "").toLowerCase().replace(/_/g, " ");
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** The budget pacing state the analytics service uses (analytics/domain/budget-pacing.ts): 90 % approaching, 100 % exceeded; exact. */
export function pacingState(spendMicros: string | undefined, budgetMicros: string | undefined): "ON_TRACK" | "APPROACHING" | "EXCEEDED" | undefined {
  if (!spendMicros || !budgetMicros) return undefined;
  const spend = BigInt(spendMicros);
  const budget = BigInt(budgetMicros);
  if (budget <= 0n) return undefined;
  if (spend * 100n >= budget * 100n) return "EXCEEDED";
  if (spend * 100n >= budget * 90n) return "APPROACHING";
  return "ON_TRACK";
}

export function pacingLabel(state: string | undefined): string {
  switch (state?.replace(/^PACING_STATE_/, "")) {
    case "ON_TRACK":
      return "On track";
    case "APPROACHING":
      return "Approaching budget (≥ 90 %)";
    case "EXCEEDED":
      return "Budget exceeded";
    default:
      return "—";
  }
}

/** An ISO timestamp shown in a time zone: "2026-12-01 13:05:02 (UTC)". */
export function instant(iso: string | undefined, timeZone?: string): string {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  try {
    const f = new Intl.DateTimeFormat("en-CA", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
    });
    return `${f.format(d).replace(",", "")}${timeZone ? ` (${timeZone})` : ""}`;
  } catch {
    return iso;
  }
}

/** Today as YYYY-MM-DD in a time zone. */
export function todayIn(timeZone: string | undefined, now = new Date()): string {
  try {
    return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(now);
  } catch {
    return now.toISOString().slice(0, 10);
  }
}

export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}
