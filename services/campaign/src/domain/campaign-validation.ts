import { MAX_EVENT_MICROS } from "#common/contract/money.js";
import { isIanaTimeZone } from "#common/contract/time-zone.js";
import { normalisePlatform } from "#common/contract/platform.js";
import { Violations } from "#common/errors.js";
import { quoteValue } from "#common/input/text-rules.js";
import {
  CAMPAIGN_TYPES,
  CHANNELS,
  MAX_EXTERNAL_CAMPAIGN_IDS,
  MAX_PLATFORM_LINKS,
  wireChannel,
  wireType,
  type CampaignFields,
  type MutablePath,
  type PlatformCampaignLink,
} from "./campaign.js";

/** The input boundary's micros cap: a budget is money like any other amount. */
const MAX_BUDGET = MAX_EVENT_MICROS;
const CURRENCIES = new Set(Intl.supportedValuesOf("currency"));

/** Trims and lower-cases what the contract says is case-insensitive or slug-like. */
export function normalizeFields(f: CampaignFields): CampaignFields {
  return {
    ...f,
    name: f.name.trim(),
    platforms: [...new Set(f.platforms.map((p) => p.trim().toLowerCase()))],
    platformLinks: f.platformLinks.map((l) => ({
      platform: l.platform.trim().toLowerCase(),
      accountId: l.accountId.trim(),
      externalCampaignIds: [...new Set(l.externalCampaignIds.map((id) => id.trim()))],
    })),
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
  if (want("platform_links")) validateLinks(f.platformLinks, v, `${prefix}platform_links`);
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

/** One link per platform (the report key has no account), each with 1–100 distinct external ids. */
function validateLinks(links: PlatformCampaignLink[], v: Violations, path: string): void {
  v.check(links.length <= MAX_PLATFORM_LINKS, path, `at most ${MAX_PLATFORM_LINKS} links`);
  const seen = new Set<string>();
  links.forEach((l, i) => {
    const at = `${path}[${i}]`;
    v.check(normalisePlatform(l.platform) === l.platform, `${at}.platform`, `must be a slug matching [a-z0-9_]{1,32}; got ${quoteValue(l.platform)}`);
    v.check(!seen.has(l.platform), `${at}.platform`, "each platform may be linked once; list every external campaign of the platform in one link");
    seen.add(l.platform);
    v.check(l.accountId.length <= 128, `${at}.account_id`, "must be at most 128 characters");
    const ids = l.externalCampaignIds;
    v.check(
      ids.length >= 1 && ids.length <= MAX_EXTERNAL_CAMPAIGN_IDS,
      `${at}.external_campaign_ids`,
      `list 1–${MAX_EXTERNAL_CAMPAIGN_IDS} external campaign ids`,
    );
    v.check(
      ids.every((id) => id.length >= 1 && id.length <= 128),
      `${at}.external_campaign_ids`,
      "each must be 1–128 characters",
    );
  });
}
