import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { CampaignFacts } from "./insights.js";
import { Violations } from "#common/errors.js";
import { deriveMetrics, zeroMetrics } from "./metrics.js";
import { keyOf, pageAfter, parseOrder, sortRows, type Order, type PerformanceRow } from "./performance-order.js";

const row = (id: string, impressions: bigint, clicks: bigint, currencyCode = "EUR", costMicros = 0n): PerformanceRow => ({
  campaign: { id, tenantId: "t", name: id.toUpperCase(), status: "ACTIVE", currencyCode, timeZone: "UTC" } as CampaignFacts,
  timeZone: "UTC",
  metrics: deriveMetrics({ ...zeroMetrics(), impressions, clicks, costMicros }),
});
const ids = (rows: PerformanceRow[]) => rows.map((r) => r.campaign.id);

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

describe("money within one currency", () => {
  // 100 JPY is less than 1 USD: the two are never compared. u2 and e2 tie on the value.
  const rows = () => [
    row("u1", 10n, 2n, "USD", 1_000_000n),
    row("j1", 10n, 5n, "JPY", 100_000_000n),
    row("e1", 10n, 0n, "EUR", 2_000_000n),
    row("u2", 10n, 1n, "USD", 3_000_000n),
    row("e2", 10n, 4n, "EUR", 3_000_000n),
    row("j2", 0n, 0n, "JPY", 0n),
  ];
  it("orders a money column by currency A to Z, then the value in the order's direction", () => {
    assert.deepEqual(ids(sortRows(rows(), { field: "cost_micros", descending: true })), ["e2", "e1", "j1", "j2", "u2", "u1"]);
    assert.deepEqual(ids(sortRows(rows(), { field: "cost_micros", descending: false })), ["e1", "e2", "j2", "j1", "u1", "u2"]);
  });
  it("keeps absent money ratios last within their currency", () => {
    // cpc: e1 0 clicks (absent), e2 0.75 EUR, j1 20 JPY, j2 absent, u1 0.5 USD, u2 3 USD.
    assert.deepEqual(ids(sortRows(rows(), { field: "cpc_micros", descending: true })), ["e2", "e1", "j1", "j2", "u2", "u1"]);
  });
  it("orders counts and plain ratios across currencies", () => {
    assert.deepEqual(ids(sortRows(rows(), { field: "clicks", descending: true })), ["j1", "e2", "u1", "u2", "e1", "j2"]);
    assert.deepEqual(ids(sortRows(rows(), { field: "ctr", descending: false })), ["e1", "u2", "u1", "e2", "j1", "j2"]);
  });
  it("puts the currency in the key only under a money column", () => {
    const r = row("u1", 10n, 2n, "USD", 1_000_000n);
    assert.deepEqual(keyOf(r, { field: "cost_micros", descending: true }), { currency: "USD", value: 1_000_000n, campaignId: "u1" });
    assert.deepEqual(keyOf(r, { field: "clicks", descending: true }), { value: 2n, campaignId: "u1" });
  });
});

describe("pageAfter (keyset)", () => {
  const order: Order = { field: "impressions", descending: true };
  const sorted = () => sortRows([row("a", 5n, 0n), row("b", 5n, 0n), row("c", 9n, 0n), row("d", 1n, 0n), row("e", 5n, 0n)], order);
  it("walks the table in pages, ties split between pages by campaign id, each row once", () => {
    const seen: string[][] = [];
    let after = null;
    for (;;) {
      const page = pageAfter(sorted(), order, after, 2);
      seen.push(ids(page.rows));
      if (!page.more) break;
      after = keyOf(page.rows.at(-1)!, order);
    }
    assert.deepEqual(seen, [["c", "a"], ["b", "e"], ["d"]]);
  });
  it("starts after the cursor's key even when that row has moved or is gone", () => {
    // The previous page ended at b with 5 impressions; b has since grown to 20 and moved ahead.
    const now = sortRows([row("a", 5n, 0n), row("b", 20n, 0n), row("c", 9n, 0n), row("d", 1n, 0n), row("e", 5n, 0n)], order);
    const page = pageAfter(now, order, { value: 5n, campaignId: "b" }, 10);
    assert.deepEqual([ids(page.rows), page.more], [["e", "d"], false]);
  });
  it("answers an empty last page past the end", () => {
    assert.deepEqual(pageAfter(sorted(), order, { value: 0n, campaignId: "z" }, 2), { rows: [], more: false });
  });
});
