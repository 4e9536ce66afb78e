import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createPageTokens } from "#common/contract/page-token.js";
import { Violations } from "#common/errors.js";
import { decodePerformanceToken, encodePerformanceToken, type PerformanceScope } from "./performance-page-token.js";

const tokens = createPageTokens("a-test-secret-of-at-least-32-characters");
const scope: PerformanceScope = {
  tenantId: "t1",
  campaignIds: ["a", "b"],
  startDate: "2025-03-01",
  endDate: "",
  currencyCode: "",
  order: { field: "cost_micros", descending: true },
};
const asOf = new Date("2025-03-31T23:59:00Z");

function decode(s: PerformanceScope, token: string) {
  const v = new Violations();
  const cursor = decodePerformanceToken(tokens, s, token, v);
  return { cursor, fields: v.list.map((x) => x.field) };
}

describe("ListCampaignPerformance page tokens", () => {
  it("carry the last key and the first page's instant for the same request", () => {
    const token = encodePerformanceToken(tokens, scope, { after: { currency: "EUR", value: 12_000_000n, campaignId: "b" }, asOf });
    assert.deepEqual(decode(scope, token), { cursor: { after: { currency: "EUR", value: 12_000_000n, campaignId: "b" }, asOf }, fields: [] });
  });

  it("carry an absent ratio and plain numbers", () => {
    const ctr: PerformanceScope = { ...scope, order: { field: "ctr", descending: false } };
    const absent = encodePerformanceToken(tokens, ctr, { after: { value: undefined, campaignId: "a" }, asOf });
    assert.deepEqual(decode(ctr, absent).cursor, { after: { value: undefined, campaignId: "a" }, asOf });
    const half = encodePerformanceToken(tokens, ctr, { after: { value: 0.5, campaignId: "a" }, asOf });
    assert.deepEqual(decode(ctr, half).cursor, { after: { value: 0.5, campaignId: "a" }, asOf });
  });

  it("are refused (page_token) for another tenant, ids, range, currency or order, and when garbled", () => {
    const token = encodePerformanceToken(tokens, scope, { after: { currency: "EUR", value: 1n, campaignId: "b" }, asOf });
    const others: PerformanceScope[] = [
      { ...scope, tenantId: "t2" },
      { ...scope, campaignIds: ["a"] },
      { ...scope, startDate: "2025-03-02" },
      { ...scope, endDate: "2025-03-31" },
      { ...scope, currencyCode: "EUR" },
      { ...scope, order: { field: "cost_micros", descending: false } },
      { ...scope, order: { field: "revenue_micros", descending: true } },
    ];
    for (const other of others) assert.deepEqual(decode(other, token), { cursor: null, fields: ["page_token"] }, JSON.stringify(other));
    const [body, tag] = token.split(".");
    const edited = `${Buffer.from(JSON.stringify({ c: "EUR", v: "999", i: "b", n: 0 })).toString("base64url")}.${tag}`;
    for (const bad of [edited, `${body}.${tag}x`, "not a token", `${body}`])
      assert.deepEqual(decode(scope, bad), { cursor: null, fields: ["page_token"] }, bad);
  });

  it("refuse a sealed payload that does not fit the order (defence in depth behind the MAC)", () => {
    // Sealed under this very scope, but a value of the wrong kind or a missing currency group.
    const scopeString = `tally.analytics.v1.AnalyticsService/ListCampaignPerformance/t1:${JSON.stringify([["a", "b"], "2025-03-01", "", "", "cost_micros", true])}`;
    for (const payload of [
      { v: "12", i: "b", n: 0 },
      { c: "EUR", v: 12, i: "b", n: 0 },
      { c: "EUR", v: null, i: "b", n: 0 },
      { c: "EUR", v: "12", i: "b", n: -1 },
      { c: "EUR", v: "1.5", i: "b", n: 0 },
    ]) {
      assert.deepEqual(decode(scope, tokens.seal(scopeString, payload)), { cursor: null, fields: ["page_token"] }, JSON.stringify(payload));
    }
    assert.equal(decode(scope, tokens.seal(scopeString, { c: "EUR", v: "12", i: "b", n: 0 })).cursor?.after.value, 12n);
  });

  it("treat an empty token as the first page", () => {
    assert.deepEqual(decode(scope, ""), { cursor: null, fields: [] });
  });
});
