import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Violations } from "../../../common/src/errors.js";
import { CAMPAIGN_STATUSES, TRANSITIONS, type CampaignFields, type CampaignStatus } from "./campaign.js";
import { normalizeFields, validateFields } from "./campaign-validation.js";

describe("lifecycle", () => {
  // The whole table of DESIGN §2.2, so that a change to the rules is a visible change here.
  const allowed: Record<string, CampaignStatus[]> = {
    launch: ["DRAFT"],
    pause: ["ACTIVE"],
    resume: ["PAUSED"],
    complete: ["ACTIVE", "PAUSED"],
    cancel: ["DRAFT", "ACTIVE", "PAUSED"],
  };
  for (const [action, from] of Object.entries(allowed)) {
    it(`${action} is allowed exactly from ${from.join(", ")}`, () => {
      const rule = TRANSITIONS[action as keyof typeof TRANSITIONS];
      assert.deepEqual(CAMPAIGN_STATUSES.filter((s) => rule.from.includes(s)), from);
    });
  }
});

describe("validateFields", () => {
  const valid: CampaignFields = {
    name: "Spring sale",
    description: "",
    type: "PROMOTION",
    channels: ["SOCIAL"],
    platforms: ["meta"],
    currencyCode: "EUR",
    budgetMicros: "1000000",
    timeZone: "Asia/Kathmandu",
    startTime: null,
    endTime: null,
  };
  const problems = (f: Partial<CampaignFields>) => {
    const v = new Violations();
    validateFields(normalizeFields({ ...valid, ...f }), v);
    return v.list.map((x) => x.field);
  };

  it("accepts a valid campaign and normalises case", () => {
    assert.deepEqual(problems({}), []);
    const n = normalizeFields({ ...valid, platforms: ["Meta", "meta", " Google "], currencyCode: "eur", name: "  Spring sale " });
    assert.deepEqual([n.platforms, n.currencyCode, n.name], [["meta", "google"], "EUR", "Spring sale"]);
  });

  const table: [string, Partial<CampaignFields>, string][] = [
    ["name too short", { name: "ab" }, "campaign.name"],
    ["name too long", { name: "x".repeat(256) }, "campaign.name"],
    ["description too long", { description: "x".repeat(1001) }, "campaign.description"],
    ["unknown type", { type: "UNSPECIFIED" }, "campaign.type"],
    ["bad platform slug", { platforms: ["meta ads"] }, "campaign.platforms"],
    ["unknown currency", { currencyCode: "XYZ1" }, "campaign.currency_code"],
    ["zero budget", { budgetMicros: "0" }, "campaign.budget_micros"],
    ["fractional budget", { budgetMicros: "1.5" }, "campaign.budget_micros"],
    ["budget beyond int64", { budgetMicros: "9223372036854775808" }, "campaign.budget_micros"],
    ["unknown time zone", { timeZone: "Europe/Atlantis" }, "campaign.time_zone"],
    ["end before start", { startTime: new Date("2026-02-01"), endTime: new Date("2026-01-01") }, "campaign.end_time"],
  ];
  for (const [name, f, field] of table) {
    it(`rejects ${name}`, () => assert.deepEqual(problems(f), [field]));
  }
});
