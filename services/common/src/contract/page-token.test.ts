import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Violations } from "../errors.js";
import { createPageTokens, readPageToken } from "./page-token.js";

const tokens = createPageTokens("a-test-secret-of-at-least-32-characters");
const offset = (p: unknown) => (typeof p === "number" && Number.isInteger(p) && p >= 0 ? p : null);

describe("page tokens", () => {
  const good = tokens.seal("list:fp1", 50);

  it("round-trip in their scope", () => {
    const v = new Violations();
    assert.equal(readPageToken(tokens, "list:fp1", good, offset, v), 50);
    assert.ok(v.empty);
  });

  it("an empty token is the first page, not a violation", () => {
    const v = new Violations();
    assert.equal(readPageToken(tokens, "list:fp1", "", offset, v), null);
    assert.ok(v.empty);
  });

  const [body, tag] = good.split(".") as [string, string];
  const forged = Buffer.from(JSON.stringify(5000)).toString("base64url");
  const bad: [string, string, string][] = [
    ["another scope", "list:fp2", good],
    ["an edited payload with the old MAC", "list:fp1", `${forged}.${tag}`],
    ["a payload without MAC", "list:fp1", body],
    ["a truncated MAC", "list:fp1", `${body}.${tag.slice(0, 10)}`],
    ["another key's token", "list:fp1", createPageTokens("another-secret-of-at-least-32-characters").seal("list:fp1", 50)],
    ["garbage", "list:fp1", "%%%"],
    ["extra parts", "list:fp1", `${good}.x`],
    ["NUL bytes", "list:fp1", "\u0000\u0000"],
    ["a huge token", "list:fp1", "a".repeat(5000)],
    ["a valid token whose payload the caller refuses", "list:fp1", tokens.seal("list:fp1", -3)],
  ];
  for (const [name, scope, token] of bad) {
    it(`refuses ${name}, naming page_token without quoting it`, () => {
      const v = new Violations();
      assert.equal(readPageToken(tokens, scope, token, offset, v), null);
      assert.deepEqual(v.list, [{ field: "page_token", description: "is not a token from a previous response to this same request" }]);
    });
  }
});
