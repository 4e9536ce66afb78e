import { MAX_EVENT_MICROS } from "#common/contract/money.js";
import { isIanaTimeZone } from "#common/contract/time-zone.js";
import { normalisePlatform } from "#common/contract/platform.js";
import { Violations } from "#common/errors.js";
import { quoteValue } from "#common/input/text-rules.js";
import { CAMPAIGN_TYPES, CHANNELS, wireChannel, wireType, type CampaignFields, type MutablePath } from "./campaign.js";

/** The input boundary's micros cap: a budget is money like any other amount. */
const MAX_BUDGET = MAX_EVENT_MICROS;
const CURRENCIES = new Set(Intl.supportedValuesOf("currency"));

/** Trims and lower-cases what the contract says is case-insensitive or slug-like. */
export function normalizeFields(f: CampaignFields): CampaignFields {
  return {
    ...f,
    name: f.name.trim(),
    platforms: [...new Set(f.platforms.map((p) => p.trim().toLowerCase()))],
    channels: [...new Set(f.channels)],
    currencyCode: f.currencyCode.trim().toUpperCase(),
    timeZone: f.timeZone.trim(),
  };
}

/**
 * Checks the named fields (all when `paths` is undefined) and records every problem under
 * `prefix + field`. Returns nothing: callers throw via violations.throwIfAny().
 */
export function validateFields(f: CampaignFields, v: Violations, prefix = "campaign.", paths?: ReadonlySet<MutablePath>): void {
  const want = (p: MutablePath) => !paths || paths.has(p);
  if (want("name")) v.check(f.name.length >= 3 && f.name.length <= 255, `${prefix}name`, "must be 3–255 characters");
  if (want("description")) v.check(f.description.length <= 1000, `${prefix}description`, "must be at most 1000 characters");
  if (want("type"))
    v.check((CAMPAIGN_TYPES as readonly string[]).includes(f.type), `${prefix}type`, `must be one of ${CAMPAIGN_TYPES.map(wireType).join(", ")}`);
  if (want("channels")) {
    v.check(
      f.channels.every((c) => (CHANNELS as readonly string[]).includes(c)),
      `${prefix}channels`,
      `each must be one of ${CHANNELS.map(wireChannel).join(", ")}`,
    );
  }
  if (want("platforms")) {
    const bad = f.platforms.filter((p) => normalisePlatform(p) !== p);
    v.check(
      bad.length === 0,
      `${prefix}platforms`,
      `must be slugs matching [a-z0-9_]{1,32}; got ${bad
        .slice(0, 3)
        .map((p) => quoteValue(p))
        .join(", ")}`,
    );
  }
  if (want("currency_code")) v.check(CURRENCIES.has(f.currencyCode), `${prefix}currency_code`, "must be an ISO 4217 currency code such as USD or EUR");
  if (want("budget_micros")) {
    let ok = /^\d{1,19}$/.test(f.budgetMicros);
    if (ok) {
      const n = BigInt(f.budgetMicros);
      ok = n > 0n && n <= MAX_BUDGET;
    }
    v.check(ok, `${prefix}budget_micros`, "must be a positive whole number of micros");
  }
  if (want("time_zone")) v.check(isIanaTimeZone(f.timeZone), `${prefix}time_zone`, "must be an IANA time zone such as Europe/Berlin");
  if ((want("start_time") || want("end_time")) && f.startTime && f.endTime) {
    v.check(f.endTime.getTime() > f.startTime.getTime(), `${prefix}end_time`, "must be after start_time");
  }
}
