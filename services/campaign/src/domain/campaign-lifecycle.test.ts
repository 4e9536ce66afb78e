import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CAMPAIGN_STATUSES, type CampaignStatus } from "./campaign.js";
import { TRANSITIONS } from "./campaign-lifecycle.js";

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
      assert.deepEqual(
        CAMPAIGN_STATUSES.filter((s) => rule.from.includes(s)),
        from,
      );
    });
  }
});
