import type { IncomingEvent, KnownCampaign, ValidEvent } from "./ad-event.js";
import { conversionActionProblem, normaliseConversionAction } from "#common/contract/conversion-action.js";
import { normalisePlatform } from "#common/contract/platform.js";
import { normaliseRegion } from "#common/contract/region.js";
import { Reason, type EventProblem } from "./receipt.js";

/** Clock skew we tolerate from clients: occur_time may be at most this far in the future. */
export const FUTURE_TOLERANCE_MS = 5 * 60_000;

export const LIMITS = {
  eventIdChars: 128,
  campaignIdChars: 128,
  attributes: 20,
  attributeKeyChars: 64,
  attributeValueChars: 256,
} as const;

export interface ValidationRules {
  /** Events older than this can no longer be counted (raw events are retained this long). */
  lateDataWindowDays: number;
}

export type Validated = { ok: true; event: ValidEvent } | { ok: false; problem: EventProblem };

type Check = EventProblem | null;

const DAY_MS = 86_400_000;
/** Counts characters (code points), not UTF-16 units; the common short string costs nothing. */
const longerThan = (s: string, max: number) => s.length > max && [...s].length > max;
const problem = (reason: Reason, field: string, message: string): EventProblem => ({ reason, field, message });
const missing = (field: string) => problem(Reason.MISSING_FIELD, field, `${field} is required`);
const invalid = (field: string, message: string) => problem(Reason.INVALID_FIELD, field, message);
/** Echoes client input in messages without letting a huge value through. */
const quote = (s: string) => JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);

/**
 * Checks one event's own fields in field order and stops at the first problem, so every rejected
 * receipt names exactly one field. Campaign-dependent checks are in checkAgainstCampaign.
 */
export function validateEvent(e: IncomingEvent, now: Date, rules: ValidationRules): Validated {
  const platform = normalisePlatform(e.platform);
  const region = normaliseRegion(e.region);
  const found =
    (e.inputProblem ? invalid(e.inputProblem.field, `${e.inputProblem.field} ${e.inputProblem.description}`) : null) ??
    checkId(e.eventId, "event_id", LIMITS.eventIdChars) ??
    checkId(e.campaignId, "campaign_id", LIMITS.campaignIdChars) ??
    (e.type === null ? invalid("type", "type must be EVENT_TYPE_IMPRESSION, EVENT_TYPE_CLICK or EVENT_TYPE_CONVERSION") : null) ??
    checkPlatform(e.platform, platform) ??
    (region === null ? invalid("region", `region ${quote(e.region)} is not an ISO 3166-1 alpha-2 code (use ZZ or leave it empty when unknown)`) : null) ??
    checkOccurTime(e.occurTime, now, rules) ??
    checkMoney(e) ??
    checkConversionAction(e) ??
    checkCurrency(e.currencyCode) ??
    checkAttributes(e.attributes);
  if (found) return { ok: false, problem: found };
  return {
    ok: true,
    event: {
      ...e,
      type: e.type!,
      platform: platform!,
      region: region!,
      occurTime: e.occurTime!,
      currencyCode: e.currencyCode.trim().toUpperCase(),
      conversionAction: normaliseConversionAction(e.conversionAction)!,
    },
  };
}

/** The checks that need the campaign: it must exist for the tenant, be launched, and match currency. */
export function checkAgainstCampaign(e: ValidEvent, campaign: KnownCampaign | null): Check {
  if (!campaign) return problem(Reason.CAMPAIGN_NOT_FOUND, "campaign_id", `campaign ${quote(e.campaignId)} not found`);
  if (campaign.status === "DRAFT") {
    return problem(Reason.CAMPAIGN_NOT_LAUNCHED, "campaign_id", `campaign ${quote(e.campaignId)} is a DRAFT; launch it before sending events`);
  }
  // ACTIVE and PAUSED accept; COMPLETED and CANCELLED accept too, because late data and platform
  // restatements for a finished campaign are legitimate and the late-data window still applies.
  if (e.currencyCode !== "" && e.currencyCode !== campaign.currencyCode) {
    return problem(Reason.CURRENCY_MISMATCH, "currency_code", `currency_code ${e.currencyCode} differs from the campaign's ${campaign.currencyCode}`);
  }
  return null;
}

function checkId(value: string, field: string, max: number): Check {
  if (value === "") return missing(field);
  if (longerThan(value, max)) return invalid(field, `${field} must be at most ${max} characters`);
  return null;
}

function checkPlatform(raw: string, slug: string | null): Check {
  if (raw.trim() === "") return missing("platform");
  if (slug === null) return invalid("platform", `platform ${quote(raw)} must be a slug of 1–32 letters, digits or underscores`);
  return null;
}

function checkOccurTime(t: Date | null, now: Date, rules: ValidationRules): Check {
  if (t === null) return missing("occur_time");
  if (Number.isNaN(t.getTime())) return invalid("occur_time", "occur_time is not a valid timestamp");
  if (t.getTime() > now.getTime() + FUTURE_TOLERANCE_MS) {
    return problem(Reason.OCCUR_TIME_IN_FUTURE, "occur_time", `occur_time ${t.toISOString()} is more than 5 minutes in the future`);
  }
  if (t.getTime() < now.getTime() - rules.lateDataWindowDays * DAY_MS) {
    return problem(Reason.OCCUR_TIME_TOO_OLD, "occur_time", `occur_time ${t.toISOString()} is older than the ${rules.lateDataWindowDays}-day late-data window`);
  }
  return null;
}

function checkMoney(e: IncomingEvent): Check {
  if (e.valueMicros < 0n) return invalid("value_micros", "value_micros must be ≥ 0");
  if (e.valueMicros !== 0n && e.type !== "CONVERSION") return invalid("value_micros", "value_micros is only allowed on CONVERSION events");
  if (e.costMicros < 0n) return invalid("cost_micros", "cost_micros must be ≥ 0");
  return null;
}

function checkConversionAction(e: IncomingEvent): Check {
  if (e.conversionAction.trim() === "") return null;
  if (e.type !== "CONVERSION") return invalid("conversion_action", "conversion_action is only allowed on CONVERSION events");
  const problem = conversionActionProblem(e.conversionAction);
  return problem ? invalid("conversion_action", `conversion_action ${quote(e.conversionAction)} ${problem}`) : null;
}

function checkCurrency(code: string): Check {
  if (code === "" || /^[A-Z]{3}$/.test(code.trim().toUpperCase())) return null;
  return invalid("currency_code", `currency_code ${quote(code)} is not an ISO 4217 code`);
}

function checkAttributes(attributes: Record<string, string>): Check {
  const entries = Object.entries(attributes);
  if (entries.length > LIMITS.attributes) return invalid("attributes", `at most ${LIMITS.attributes} attributes are allowed, got ${entries.length}`);
  for (const [key, value] of entries) {
    if (key === "") return invalid("attributes", "attribute keys must not be empty");
    if (longerThan(key, LIMITS.attributeKeyChars))
      return invalid("attributes", `attribute key ${quote(key)} is longer than ${LIMITS.attributeKeyChars} characters`);
    if (longerThan(value, LIMITS.attributeValueChars)) {
      return invalid("attributes", `attribute ${quote(key)} has a value longer than ${LIMITS.attributeValueChars} characters`);
    }
  }
  return null;
}
