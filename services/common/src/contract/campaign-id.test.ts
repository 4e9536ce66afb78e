import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isCampaignIdSyntax } from "./campaign-id.js";

describe("campaign id syntax", () => {
  const cases: [string, boolean][] = [
    ["0b7c7e43-51f4-4d0e-a0a4-5a3f0d1e2c9b", true],
    ["c-berlin", true],
    ["C_1", true],
    ["x".repeat(128), true],
    ["x".repeat(129), false],
    ["", false],
    ["c berlin", false],
    ["c.berlin", false],
    ["c/1", false],
    ["1'; drop", false],
    ["c\u0000", false],
    ["é", false],
  ];
  for (const [id, ok] of cases) it(`${JSON.stringify(id.slice(0, 20))} → ${ok}`, () => assert.equal(isCampaignIdSyntax(id), ok));
});
