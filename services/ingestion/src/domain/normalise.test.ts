import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { normalisePlatform, normaliseRegion } from "./normalise.js";
import { ISO_3166_ALPHA2 } from "./region-codes.js";

describe("normaliseRegion", () => {
  const cases: [string, string | null][] = [
    ["US", "US"],
    ["gb", "GB"],
    ["De", "DE"],
    [" fr ", "FR"],
    ["", "ZZ"],
    ["  ", "ZZ"],
    ["zz", "ZZ"],
    ["UK", null],
    ["XK", null],
    ["EU", null],
    ["USA", null],
    ["U", null],
    ["1A", null],
  ];
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} → ${expected}`, () => assert.equal(normaliseRegion(input), expected));
  }

  it("knows all 249 ISO 3166-1 alpha-2 codes", () => {
    assert.equal(ISO_3166_ALPHA2.size, 249);
    for (const code of ["AX", "BQ", "CW", "SS", "SX", "TL", "UM", "AQ"]) assert.ok(ISO_3166_ALPHA2.has(code), code);
  });
});

describe("normalisePlatform", () => {
  const cases: [string, string | null][] = [
    ["meta", "meta"],
    ["Google", "google"],
    ["LINKEDIN", "linkedin"],
    [" tiktok ", "tiktok"],
    ["my_network_2", "my_network_2"],
    ["p".repeat(32), "p".repeat(32)],
    ["p".repeat(33), null],
    ["meta-ads", null],
    ["méta", null],
    ["", null],
  ];
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} → ${expected}`, () => assert.equal(normalisePlatform(input), expected));
  }
});
