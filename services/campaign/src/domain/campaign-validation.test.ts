import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Violations } from "#common/errors.js";
import type { CampaignFields } from "./campaign.js";
import { normalizeFields, validateFields } from "./campaign-validation.js";

describe("validateFields", () => {
  const valid: CampaignFields = {
    name: "Spring sale",
    description: "",
    type: "PROMOTION",
    channels: ["SOCIAL"],
    platforms: ["meta"],
    platformLinks: [{ platform: "meta", accountId: "1234", externalCampaignIds: ["120200001"] }],
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
    const links = normalizeFields({ ...valid, platformLinks: [{ platform: " Google ", accountId: " 123-456 ", externalCampaignIds: ["9", " 9 ", "10"] }] });
    assert.deepEqual(links.platformLinks, [{ platform: "google", accountId: "123-456", externalCampaignIds: ["9", "10"] }]);
  });

  const table: [string, Partial<CampaignFields>, string][] = [
    ["name too short", { name: "ab" }, "campaign.name"],
    ["name too long", { name: "x".repeat(256) }, "campaign.name"],
    ["description too long", { description: "x".repeat(1001) }, "campaign.description"],
    ["unknown type", { type: "UNSPECIFIED" }, "campaign.type"],
    ["bad platform slug", { platforms: ["meta ads"] }, "campaign.platforms"],
    ["bad link platform", { platformLinks: [{ platform: "Meta Ads", accountId: "", externalCampaignIds: ["1"] }] }, "campaign.platform_links[0].platform"],
    [
      "two links of one platform",
      {
        platformLinks: [
          { platform: "meta", accountId: "1", externalCampaignIds: ["1"] },
          { platform: "META", accountId: "2", externalCampaignIds: ["2"] },
        ],
      },
      "campaign.platform_links[1].platform",
    ],
    [
      "a link without external ids",
      { platformLinks: [{ platform: "google", accountId: "", externalCampaignIds: [] }] },
      "campaign.platform_links[0].external_campaign_ids",
    ],
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
