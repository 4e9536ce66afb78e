import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { normalisePlatform, platformProblem } from "./platform.js";

describe("normalisePlatform", () => {
  const cases: [string, string | null][] = [
    ["meta", "meta"],
    [" Google ", "google"],
    ["TIK_TOK_2", "tik_tok_2"],
    ["a".repeat(32), "a".repeat(32)],
    ["a".repeat(33), null],
    ["", null],
    ["   ", null],
    ["face-book", null],
    ["meta\u0000", null],
    ["méta", null],
  ];
  for (const [raw, want] of cases) it(JSON.stringify(raw), () => assert.equal(normalisePlatform(raw), want));
});

describe("platformProblem", () => {
  it("says an empty platform is required and a malformed one is not a slug", () => {
    assert.equal(platformProblem(" "), "is required");
    assert.equal(platformProblem("x y"), "must be a slug of 1–32 letters, digits or underscores");
    assert.equal(platformProblem("Direct"), null);
  });
});
