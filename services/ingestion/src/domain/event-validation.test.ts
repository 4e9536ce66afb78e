import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { IncomingEvent, KnownCampaign, ValidEvent } from "./ad-event.js";
import { checkAgainstCampaign, validateEvent } from "./event-validation.js";

const NOW = new Date("2025-04-20T12:00:00Z");
const RULES = { lateDataWindowDays: 90 };
const MINUTE = 60_000;
const DAY = 86_400_000;

const base = (): IncomingEvent => ({
  eventId: "evt-1",
  campaignId: "cmp-1",
  type: "CLICK",
  platform: "Meta",
  region: "gb",
  occurTime: new Date(NOW.getTime() - MINUTE),
  valueMicros: 0n,
  costMicros: 1_500_000n,
  currencyCode: "",
  userAgent: "Mozilla/5.0",
  ip: "203.0.113.9",
  attributes: { creative: "cr-1" },
  conversionAction: "",
});

const manyAttributes = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, "v"]));

describe("validateEvent", () => {
  const rejected: [string, Partial<IncomingEvent>, string, string][] = [
    ["empty event_id", { eventId: "" }, "MISSING_FIELD", "event_id"],
    ["event_id of 129 characters", { eventId: "e".repeat(129) }, "INVALID_FIELD", "event_id"],
    ["empty campaign_id", { campaignId: "" }, "MISSING_FIELD", "campaign_id"],
    ["unspecified type", { type: null }, "INVALID_FIELD", "type"],
    ["empty platform", { platform: "" }, "MISSING_FIELD", "platform"],
    ["platform with a hyphen", { platform: "meta-ads" }, "INVALID_FIELD", "platform"],
    ["platform of 33 characters", { platform: "p".repeat(33) }, "INVALID_FIELD", "platform"],
    ["region that is no ISO code", { region: "XX" }, "INVALID_FIELD", "region"],
    ["region UK (GB is the code)", { region: "UK" }, "INVALID_FIELD", "region"],
    ["region of three letters", { region: "GBR" }, "INVALID_FIELD", "region"],
    ["missing occur_time", { occurTime: null }, "MISSING_FIELD", "occur_time"],
    ["occur_time 5 min + 1 s ahead", { occurTime: new Date(NOW.getTime() + 5 * MINUTE + 1000) }, "OCCUR_TIME_IN_FUTURE", "occur_time"],
    ["occur_time 90 days + 1 s ago", { occurTime: new Date(NOW.getTime() - 90 * DAY - 1000) }, "OCCUR_TIME_TOO_OLD", "occur_time"],
    ["negative value_micros", { type: "CONVERSION", valueMicros: -1n }, "INVALID_FIELD", "value_micros"],
    ["value_micros on a click", { valueMicros: 5n }, "INVALID_FIELD", "value_micros"],
    ["negative cost_micros", { costMicros: -1n }, "INVALID_FIELD", "cost_micros"],
    ["conversion_action on a click", { conversionAction: "purchase" }, "INVALID_FIELD", "conversion_action"],
    ["conversion_action with a hyphen", { type: "CONVERSION", conversionAction: "sign-up" }, "INVALID_FIELD", "conversion_action"],
    ["conversion_action of 33 characters", { type: "CONVERSION", conversionAction: "a".repeat(33) }, "INVALID_FIELD", "conversion_action"],
    ["currency_code that is no ISO 4217 code", { currencyCode: "EURO" }, "INVALID_FIELD", "currency_code"],
    ["21 attributes", { attributes: manyAttributes(21) }, "INVALID_FIELD", "attributes"],
    ["attribute key of 65 characters", { attributes: { ["k".repeat(65)]: "v" } }, "INVALID_FIELD", "attributes"],
    ["attribute value of 257 characters", { attributes: { k: "v".repeat(257) } }, "INVALID_FIELD", "attributes"],
    ["empty attribute key", { attributes: { "": "v" } }, "INVALID_FIELD", "attributes"],
    // The shared input boundary's finding comes first (rpc/ingestion-rpc.ts fills it in).
    ["a boundary problem", { inputProblem: { field: "event_id", description: "must not contain NUL (U+0000) characters" } }, "INVALID_FIELD", "event_id"],
    [
      "a boundary problem before a domain one",
      { campaignId: "", inputProblem: { field: 'attributes["k"]', description: "is not valid UTF-8" } },
      "INVALID_FIELD",
      'attributes["k"]',
    ],
    // Only the first problem in field order is reported.
    ["bad platform and bad region", { platform: "", region: "XX" }, "MISSING_FIELD", "platform"],
  ];
  for (const [name, change, reason, field] of rejected) {
    it(`rejects ${name} as ${reason} on ${field}`, () => {
      const v = validateEvent({ ...base(), ...change }, NOW, RULES);
      assert.equal(v.ok, false);
      if (!v.ok) assert.deepEqual({ reason: v.problem.reason, field: v.problem.field }, { reason, field });
    });
  }

  const accepted: [string, Partial<IncomingEvent>][] = [
    ["event_id of 128 characters", { eventId: "e".repeat(128) }],
    ["event_id of 128 emoji (characters, not UTF-16 units)", { eventId: "🙂".repeat(128) }],
    ["occur_time exactly 5 min ahead", { occurTime: new Date(NOW.getTime() + 5 * MINUTE) }],
    ["occur_time exactly 90 days ago", { occurTime: new Date(NOW.getTime() - 90 * DAY) }],
    ["a conversion with a value", { type: "CONVERSION", valueMicros: 49_990_000n }],
    ["20 attributes", { attributes: manyAttributes(20) }],
    ["no attributes", { attributes: {} }],
    ["an explicit ZZ region", { region: "ZZ" }],
    ["a conversion with an action of 32 characters", { type: "CONVERSION", conversionAction: "a".repeat(32) }],
    ["a conversion without an action", { type: "CONVERSION", conversionAction: "" }],
  ];
  for (const [name, change] of accepted) {
    it(`accepts ${name}`, () => assert.equal(validateEvent({ ...base(), ...change }, NOW, RULES).ok, true));
  }

  it("normalises platform, region and currency", () => {
    const v = validateEvent({ ...base(), platform: " TikTok ", region: "", currencyCode: "eur" }, NOW, RULES);
    assert.ok(v.ok);
    assert.deepEqual([v.event.platform, v.event.region, v.event.currencyCode], ["tiktok", "ZZ", "EUR"]);
  });

  it("normalises a conversion's action; an undefined action is still a valid slug", () => {
    const v = validateEvent({ ...base(), type: "CONVERSION", conversionAction: " Sign_Up " }, NOW, RULES);
    assert.ok(v.ok);
    assert.equal(v.event.conversionAction, "sign_up");
  });

  it("honours a shorter late-data window", () => {
    const v = validateEvent({ ...base(), occurTime: new Date(NOW.getTime() - 8 * DAY) }, NOW, { lateDataWindowDays: 7 });
    assert.ok(!v.ok);
    assert.equal(v.problem.reason, "OCCUR_TIME_TOO_OLD");
  });
});

describe("checkAgainstCampaign", () => {
  const valid = (change: Partial<ValidEvent> = {}): ValidEvent => {
    const v = validateEvent(base(), NOW, RULES);
    assert.ok(v.ok);
    return { ...v.event, ...change };
  };
  const campaign = (status: KnownCampaign["status"]): KnownCampaign => ({ status, currencyCode: "USD" });

  const cases: [string, ValidEvent, KnownCampaign | null, { reason: string; field: string } | null][] = [
    ["an unknown campaign", valid(), null, { reason: "CAMPAIGN_NOT_FOUND", field: "campaign_id" }],
    ["a DRAFT campaign", valid(), campaign("DRAFT"), { reason: "CAMPAIGN_NOT_LAUNCHED", field: "campaign_id" }],
    ["an ACTIVE campaign", valid(), campaign("ACTIVE"), null],
    ["a PAUSED campaign", valid(), campaign("PAUSED"), null],
    ["a COMPLETED campaign (late data)", valid(), campaign("COMPLETED"), null],
    ["a CANCELLED campaign (late data)", valid(), campaign("CANCELLED"), null],
    ["the campaign's currency", valid({ currencyCode: "USD" }), campaign("ACTIVE"), null],
    ["another currency", valid({ currencyCode: "EUR" }), campaign("ACTIVE"), { reason: "CURRENCY_MISMATCH", field: "currency_code" }],
  ];
  for (const [name, event, c, expected] of cases) {
    it(`${expected ? `rejects ${expected.reason}` : "accepts"} for ${name}`, () => {
      const problem = checkAgainstCampaign(event, c);
      assert.deepEqual(problem && { reason: problem.reason, field: problem.field }, expected);
    });
  }
});
