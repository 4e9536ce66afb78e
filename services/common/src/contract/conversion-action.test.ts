import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { conversionActionProblem, normaliseConversionAction, slugifyConversionAction } from "./conversion-action.js";

describe("normaliseConversionAction", () => {
  const cases: [string, string | null][] = [
    ["purchase", "purchase"],
    [" Sign_Up ", "sign_up"],
    ["", ""],
    ["   ", ""],
    ["lead2", "lead2"],
    ["a".repeat(32), "a".repeat(32)],
    ["a".repeat(33), null],
    ["sign-up", null],
    ["sign up", null],
    ["käufe", null],
    ["purchase\u0000", null],
    ["offsite_conversion.fb_pixel_purchase", null],
  ];
  for (const [raw, want] of cases) it(JSON.stringify(raw), () => assert.equal(normaliseConversionAction(raw), want));
});

describe("conversionActionProblem", () => {
  it("allows none and slugs, names the rule for anything else", () => {
    assert.equal(conversionActionProblem(""), null);
    assert.equal(conversionActionProblem("PURCHASE"), null);
    assert.equal(conversionActionProblem("add to cart"), "must be a slug of 1–32 letters, digits or underscores");
  });
});

describe("slugifyConversionAction", () => {
  const cases: [string, string][] = [
    ["Purchase", "purchase"],
    ["Sign-up form", "sign_up_form"],
    ["  Lead (B2B)  ", "lead_b2b"],
    ["Café order", "cafe_order"],
    ["fb_pixel.Complete Registration", "fb_pixel_complete_registration"],
    ["x".repeat(31) + " y", "x".repeat(31)],
    ["!!!", ""],
    ["日本", ""],
  ];
  for (const [text, want] of cases) it(JSON.stringify(text), () => assert.equal(slugifyConversionAction(text), want));
});
