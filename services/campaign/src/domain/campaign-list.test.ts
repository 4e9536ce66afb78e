import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AppError } from "#common/errors.js";
import { createPageTokens } from "#common/contract/page-token.js";
import { encodePageToken, parseListInput as parseWith } from "./campaign-list.js";

const tokens = createPageTokens("a-test-secret-of-at-least-32-characters");
const parseListInput = (input: Parameters<typeof parseWith>[0]) => parseWith(input, tokens);
const input = (over: Partial<Parameters<typeof parseWith>[0]> = {}) => ({ pageSize: 0, pageToken: "", filter: "", orderBy: "", showDeleted: false, ...over });

describe("parseListInput", () => {
  it("defaults to 50 per page, newest first", () => {
    assert.deepEqual(parseListInput(input()), { pageSize: 50, conditions: [], showDeleted: false, orderBy: "create_time", desc: true, after: null });
  });

  it("caps page_size at 1000 and parses filters case-insensitively", () => {
    const q = parseListInput(input({ pageSize: 5000, filter: 'status=active AND name:"spring sale"', orderBy: "name" }));
    assert.deepEqual(
      [q.pageSize, q.conditions, q.orderBy, q.desc],
      [
        1000,
        [
          { field: "status", values: ["ACTIVE"], negate: false },
          { field: "name", match: "contains", text: "spring sale" },
        ],
        "name",
        false,
      ],
    );
    assert.deepEqual(parseListInput(input({ filter: "status=CAMPAIGN_STATUS_PAUSED" })).conditions, [{ field: "status", values: ["PAUSED"], negate: false }]);
  });

  it("binds page tokens to the filter and order they were issued for", () => {
    const q = parseListInput(input({ filter: "status=ACTIVE" }));
    const token = encodePageToken(tokens, q, { value: "2026-01-01T00:00:00.000Z", id: "abc" });
    assert.deepEqual(parseListInput(input({ filter: "status=ACTIVE", pageToken: token })).after, { value: "2026-01-01T00:00:00.000Z", id: "abc" });
    assert.throws(
      () => parseListInput(input({ filter: "status=PAUSED", pageToken: token })),
      (e: AppError) => e.options.violations?.[0]?.field === "page_token",
    );
    assert.throws(
      () => parseListInput(input({ filter: "status=ACTIVE", showDeleted: true, pageToken: token })),
      (e: AppError) => e.options.violations?.[0]?.field === "page_token",
      "show_deleted is part of what a token was issued for",
    );
  });

  it("refuses a forged token: an edited cursor with the old MAC, or one sealed with another key", () => {
    const q = parseListInput(input());
    const token = encodePageToken(tokens, q, { value: "2026-01-01T00:00:00.000Z", id: "abc" });
    const edited = `${Buffer.from(JSON.stringify({ v: "' OR 1=1 --", i: "x" })).toString("base64url")}.${token.split(".")[1]}`;
    const foreign = encodePageToken(createPageTokens("another-secret-of-at-least-32-characters"), q, { value: "v", id: "i" });
    for (const pageToken of [edited, foreign]) {
      assert.throws(
        () => parseListInput(input({ pageToken })),
        (e: AppError) => e.code === "INVALID_ARGUMENT" && e.options.violations?.[0]?.field === "page_token",
      );
    }
  });

  it("names every bad argument", () => {
    assert.throws(
      () => parseListInput(input({ pageSize: -1, filter: "status=RUNNING AND budget>5", orderBy: "cost desc", pageToken: "!!" })),
      (e: AppError) =>
        JSON.stringify(e.options.violations?.map((v) => v.field)) === JSON.stringify(["page_size", "filter", "filter", "order_by", "page_token"]),
    );
  });
});
