import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ISO_3166_ALPHA2 } from "./region-codes.js";
import { normaliseRegion } from "./region.js";

describe("normaliseRegion", () => {
  const cases: [string, string | null][] = [
    ["de", "DE"],
    [" Us ", "US"],
    ["", "ZZ"],
    ["zz", "ZZ"],
    ["UK", null],
    ["XK", null],
    ["XX", null],
    ["DEU", null],
    ["EU", null],
    ["1A", null],
    ["  ", "ZZ"],
    ["D\u0000", null],
  ];
  for (const [raw, want] of cases) it(JSON.stringify(raw), () => assert.equal(normaliseRegion(raw), want));
});

describe("ISO_3166_ALPHA2", () => {
  it("knows all 249 assigned codes", () => {
    assert.equal(ISO_3166_ALPHA2.size, 249);
    for (const code of ["AX", "BQ", "CW", "SS", "SX", "TL", "UM", "AQ"]) assert.ok(ISO_3166_ALPHA2.has(code), code);
  });
});
