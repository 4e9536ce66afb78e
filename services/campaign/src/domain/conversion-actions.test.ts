import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { assignId } from "./conversion-actions.js";

describe("assignId", () => {
  const cases: [string, string, string[], string | null][] = [
    ["the display name's slug", "Purchase", [], "purchase"],
    ["punctuation and case folded", "Sign-up (newsletter)", [], "sign_up_newsletter"],
    ["_2 when the slug is taken", "Lead", ["lead"], "lead_2"],
    ["the first free suffix", "Lead", ["lead", "lead_2", "lead_3"], "lead_4"],
    ["the suffix cut into 32 characters", "x".repeat(40), ["x".repeat(32)], `${"x".repeat(30)}_2`],
    ["nothing to slug", "!!!", [], null],
  ];
  for (const [name, displayName, existing, want] of cases) it(name, () => assert.equal(assignId(displayName, existing), want));
});
