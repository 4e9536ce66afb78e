import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AppError } from "../../../common/src/errors.js";
import { encodePageToken, parseListInput } from "./campaign-list.js";

const input = (over: Partial<Parameters<typeof parseListInput>[0]> = {}) => ({ pageSize: 0, pageToken: "", filter: "", orderBy: "", ...over });

describe("parseListInput", () => {
  it("defaults to 50 per page, newest first", () => {
    assert.deepEqual(parseListInput(input()), { pageSize: 50, status: null, nameContains: null, orderBy: "create_time", desc: true, after: null });
  });

  it("caps page_size at 1000 and parses filters case-insensitively", () => {
    const q = parseListInput(input({ pageSize: 5000, filter: 'status=active AND name:"spring sale"', orderBy: "name" }));
    assert.deepEqual([q.pageSize, q.status, q.nameContains, q.orderBy, q.desc], [1000, "ACTIVE", "spring sale", "name", false]);
    assert.equal(parseListInput(input({ filter: "status=CAMPAIGN_STATUS_PAUSED" })).status, "PAUSED");
  });

  it("binds page tokens to the filter and order they were issued for", () => {
    const q = parseListInput(input({ filter: "status=ACTIVE" }));
    const token = encodePageToken(q, { value: "2026-01-01T00:00:00.000Z", id: "abc" });
    assert.deepEqual(parseListInput(input({ filter: "status=ACTIVE", pageToken: token })).after, { value: "2026-01-01T00:00:00.000Z", id: "abc" });
    assert.throws(() => parseListInput(input({ filter: "status=PAUSED", pageToken: token })), (e: AppError) => e.options.violations?.[0]?.field === "page_token");
  });

  it("names every bad argument", () => {
    assert.throws(
      () => parseListInput(input({ pageSize: -1, filter: "status=RUNNING AND budget>5", orderBy: "cost desc", pageToken: "!!" })),
      (e: AppError) => JSON.stringify(e.options.violations?.map((v) => v.field)) === JSON.stringify(["page_size", "filter", "filter", "order_by", "page_token"]),
    );
  });
});
