import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { CampaignFacts } from "./insights.js";
import { createPageTokens } from "#common/contract/page-token.js";
import { Violations } from "#common/errors.js";
import { deriveMetrics, zeroMetrics } from "./metrics.js";
import { decodePageToken, encodePageToken, parseOrder, sortRows, type PerformanceRow } from "./performance-order.js";

const row = (id: string, impressions: bigint, clicks: bigint): PerformanceRow => ({
  campaign: { id, tenantId: "t", name: id.toUpperCase(), status: "ACTIVE", currencyCode: "EUR", timeZone: "UTC" } as CampaignFacts,
  timeZone: "UTC",
  metrics: deriveMetrics({ ...zeroMetrics(), impressions, clicks }),
});

describe("parseOrder", () => {
  const cases: [string, string, boolean][] = [
    ["", "campaign_id", false],
    ["cost_micros desc", "cost_micros", true],
    ["  ctr   ASC ", "ctr", false],
    ["campaign_name", "campaign_name", false],
  ];
  for (const [input, field, descending] of cases) {
    it(JSON.stringify(input), () => {
      const v = new Violations();
      assert.deepEqual(parseOrder(input, v), { field, descending });
      assert.ok(v.empty);
    });
  }
  for (const bad of ["popularity", "ctr sideways", "ctr desc extra", "costMicros"]) {
    it(`rejects ${JSON.stringify(bad)}`, () => {
      const v = new Violations();
      parseOrder(bad, v);
      assert.deepEqual(
        v.list.map((x) => x.field),
        ["order_by"],
      );
    });
  }
});

describe("sortRows", () => {
  const rows = () => [row("b", 10n, 5n), row("a", 0n, 0n), row("c", 10n, 1n), row("d", 4n, 2n)];
  it("by a ratio, absent ratios last in both directions", () => {
    assert.deepEqual(
      sortRows(rows(), { field: "ctr", descending: true }).map((r) => r.campaign.id),
      ["b", "d", "c", "a"],
    );
    assert.deepEqual(
      sortRows(rows(), { field: "ctr", descending: false }).map((r) => r.campaign.id),
      ["c", "b", "d", "a"],
    );
  });
  it("by a count, ties by campaign id", () => {
    assert.deepEqual(
      sortRows(rows(), { field: "impressions", descending: true }).map((r) => r.campaign.id),
      ["b", "c", "d", "a"],
    );
  });
});

describe("page tokens", () => {
  const tokens = createPageTokens("a-test-secret-of-at-least-32-characters");
  it("round-trip for the same request and are refused for another, garbled or forged", () => {
    const token = encodePageToken(tokens, 50, "fp1");
    const v = new Violations();
    assert.equal(decodePageToken(tokens, token, "fp1", v), 50);
    assert.ok(v.empty);
    const forged = `${Buffer.from("5000").toString("base64url")}.${token.split(".")[1]}`;
    assert.deepEqual(
      [decodePageToken(tokens, token, "fp2", v), decodePageToken(tokens, "%%%", "fp1", v), decodePageToken(tokens, forged, "fp1", v)],
      [0, 0, 0],
    );
    assert.deepEqual(
      v.list.map((x) => x.field),
      ["page_token", "page_token", "page_token"],
    );
  });
});
