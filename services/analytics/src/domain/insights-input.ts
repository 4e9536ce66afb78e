/**
 * The shape of an insights request and its validation. Everything that can be checked without the
 * campaign is checked here, all at once; the date defaults need the campaign's time zone and are
 * resolved afterwards (date-range.ts).
 */
import { normalisePlatform } from "#common/contract/platform.js";
import { normaliseRegion } from "#common/contract/region.js";
import type { Violations } from "#common/errors.js";
import { quoteValue } from "#common/input/text-rules.js";
import type { Granularity, LocalDateRange } from "./buckets.js";
import { checkDates, checkOrderAndSpan, normalizeTimeZone, type DateRangeInput } from "./date-range.js";

export type Dimension = "PLATFORM" | "REGION" | "SOURCE" | "CONVERSION_ACTION";
/** Where numbers came from: first-party tracked events or ad platform reports. */
export type SourceKind = "TRACKED" | "PLATFORM";

/** An enum value the transport could not map: proto3 enums are open. */
export type Unrecognized = "UNSPECIFIED" | "UNRECOGNIZED";

export interface InsightsInput extends DateRangeInput {
  campaignId: string;
  granularity: Granularity | Unrecognized;
  platforms: string[];
  regions: string[];
  breakdowns: (Dimension | Unrecognized)[];
  /** Empty means the campaign's time zone. */
  timeZone: string;
}

/** A validated request; every default resolved, lists sorted, so equal requests look equal (cache keys). */
export interface InsightsRequest {
  campaignId: string;
  range: LocalDateRange;
  granularity: Granularity;
  platforms: string[];
  regions: string[];
  breakdowns: Dimension[];
}

/** What validation could settle before the campaign is known. */
export interface CheckedInsightsInput {
  campaignId: string;
  dates: DateRangeInput;
  granularity: Granularity;
  /** Null: use the campaign's. */
  timeZone: string | null;
  platforms: string[];
  regions: string[];
  breakdowns: Dimension[];
}

const DIMENSION_ORDER: Dimension[] = ["PLATFORM", "REGION", "SOURCE", "CONVERSION_ACTION"];

/** Splits comma-separated entries (`platforms=meta,google` arrives as one value), trims, drops empties. */
function splitList(values: string[]): string[] {
  return values
    .flatMap((v) => v.split(","))
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/** Lowercase platform slugs, de-duplicated and sorted; bad entries are recorded. */
export function normalizePlatforms(values: string[], field: string, v: Violations): string[] {
  const out = new Set<string>();
  splitList(values).forEach((raw, i) => {
    const slug = normalisePlatform(raw);
    if (v.check(slug !== null, `${field}[${i}]`, `${quoteValue(raw)} is not a platform slug ([a-z0-9_]{1,32})`)) out.add(slug!);
  });
  return [...out].sort();
}

/** Uppercase ISO 3166-1 alpha-2 codes (ZZ = unknown), de-duplicated and sorted; the contract's region rule. */
export function normalizeRegions(values: string[], field: string, v: Violations): string[] {
  const out = new Set<string>();
  splitList(values).forEach((raw, i) => {
    const code = normaliseRegion(raw);
    if (v.check(code !== null, `${field}[${i}]`, `${quoteValue(raw)} is not an ISO 3166-1 alpha-2 region code`)) out.add(code!);
  });
  return [...out].sort();
}

function checkBreakdowns(values: InsightsInput["breakdowns"], v: Violations): Dimension[] {
  const seen = new Set<Dimension>();
  values.forEach((d, i) => {
    if (d === "UNSPECIFIED" || d === "UNRECOGNIZED")
      v.add(`breakdowns[${i}]`, "must be DIMENSION_PLATFORM, DIMENSION_REGION, DIMENSION_SOURCE or DIMENSION_CONVERSION_ACTION");
    else if (seen.has(d)) v.add(`breakdowns[${i}]`, `DIMENSION_${d} is listed twice`);
    else seen.add(d);
  });
  return DIMENSION_ORDER.filter((d) => seen.has(d));
}

/** Records every problem the input has on its own; the caller throws them together. */
export function checkInsightsInput(input: InsightsInput, v: Violations): CheckedInsightsInput {
  v.check(input.campaignId.trim() !== "", "campaign_id", "is required");
  const granularity = input.granularity === "UNSPECIFIED" || input.granularity === "UNRECOGNIZED" ? "DAY" : input.granularity;
  v.check(
    input.granularity !== "UNRECOGNIZED",
    "granularity",
    "must be GRANULARITY_HOUR, GRANULARITY_DAY, GRANULARITY_WEEK, GRANULARITY_MONTH or GRANULARITY_TOTAL",
  );
  if (checkDates(input, v) && input.startDate && input.endDate) checkOrderAndSpan(input, granularity, v);
  let timeZone: string | null = null;
  if (input.timeZone !== "") {
    timeZone = normalizeTimeZone(input.timeZone);
    v.check(timeZone !== null, "time_zone", `${JSON.stringify(input.timeZone)} is not an IANA time zone (e.g. Europe/Berlin)`);
  }
  return {
    campaignId: input.campaignId.trim(),
    dates: { startDate: input.startDate, endDate: input.endDate },
    granularity,
    timeZone,
    platforms: normalizePlatforms(input.platforms, "platforms", v),
    regions: normalizeRegions(input.regions, "regions", v),
    breakdowns: checkBreakdowns(input.breakdowns, v),
  };
}
