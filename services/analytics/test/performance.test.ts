/** ListCampaignPerformance on a real port over rollups written by the real aggregator. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { status, type ServiceError } from "@grpc/grpc-js";
import { ListCampaignPerformanceRequest, type ListCampaignPerformanceResponse } from "#gen/tally/analytics/v1/analytics.js";
import { EventType } from "#gen/tally/events/v1/events.js";
import { decodeStatusDetails } from "#common/grpc-status.js";
import { startHarness, TENANT, type Harness } from "./harness.js";
import { eventually } from "./support.js";

let h: Harness;

function list(req: Partial<ListCampaignPerformanceRequest>, tenantId = TENANT): Promise<ListCampaignPerformanceResponse> {
  return h.unary((c) => c.listCampaignPerformance, ListCampaignPerformanceRequest.fromPartial(req), tenantId);
}

before(async () => {
  h = await startHarness("perf");
  // 2025-03-11 23:30Z is already the 12th in Berlin but still the 11th in New York.
  h.campaigns.add({ id: "c-berlin", name: "Berlin", currencyCode: "EUR", timeZone: "Europe/Berlin" });
  h.campaigns.add({ id: "c-newyork", name: "New York", currencyCode: "USD", timeZone: "America/New_York" });
  h.campaigns.add({ id: "c-quiet", name: "Quiet", currencyCode: "EUR", timeZone: "UTC" });
  // 100 JPY: more micros than anything else here, but never ordered against euros or dollars.
  h.campaigns.add({ id: "c-yen", name: "Yen", currencyCode: "JPY", timeZone: "UTC" });
  h.campaigns.add({ id: "c-other", tenantId: "tenant-2", currencyCode: "EUR", timeZone: "UTC" });
  const late = new Date("2025-03-11T23:30:00Z");
  await h.produce([
    { campaignId: "c-berlin", occurTime: late, costMicros: "3000000" },
    { campaignId: "c-berlin", occurTime: new Date("2025-03-11T12:00:00Z"), type: EventType.EVENT_TYPE_CLICK, costMicros: "1000000" },
    { campaignId: "c-newyork", occurTime: late, costMicros: "500000" },
    { campaignId: "c-newyork", occurTime: late },
    { campaignId: "c-newyork", occurTime: late, type: EventType.EVENT_TYPE_CLICK },
    { campaignId: "c-yen", occurTime: new Date("2025-03-11T12:00:00Z"), costMicros: "100000000" },
    { tenantId: "tenant-2", campaignId: "c-other", occurTime: late },
  ]);
  await eventually(
    async () => (await h.rawCount("c-berlin")) === 2 && (await h.rawCount("c-newyork")) === 3 && (await h.rawCount("c-yen")) === 1,
    20_000,
    "events applied",
  );
});

after(() => h?.stop());

describe("ListCampaignPerformance", () => {
  it("reads each campaign's range in its own time zone, every campaign of the tenant by default", async () => {
    const res = await list({ startDate: "2025-03-11", endDate: "2025-03-11" });
    assert.deepEqual(
      res.rows.map((r) => [r.campaignId, r.campaignName, r.currencyCode, r.timeZone, r.metrics!.impressions, r.metrics!.clicks, r.metrics!.costMicros]),
      [
        ["c-berlin", "Berlin", "EUR", "Europe/Berlin", "0", "1", "1000000"], // the 23:30Z impression is on the 12th in Berlin
        ["c-newyork", "New York", "USD", "America/New_York", "2", "1", "500000"],
        ["c-quiet", "Quiet", "EUR", "UTC", "0", "0", "0"],
        ["c-yen", "Yen", "JPY", "UTC", "1", "0", "100000000"],
      ],
    );
    assert.equal(res.nextPageToken, "");
    assert.deepEqual(res.unknownCampaignIds, []);
    assert.ok(res.freshnessTime instanceof Date);
  });

  it("orders by a count across currencies, absent ratios last, and pages with an opaque token", async () => {
    const first = await list({ startDate: "2025-03-11", endDate: "2025-03-12", orderBy: "ctr desc", pageSize: 2 });
    assert.deepEqual(
      first.rows.map((r) => [r.campaignId, r.metrics!.ctr]),
      [
        ["c-berlin", 1], // 1 click / 1 impression (the 23:30Z one is on the 12th in Berlin)
        ["c-newyork", 0.5],
      ],
    );
    assert.notEqual(first.nextPageToken, "");
    const second = await list({ startDate: "2025-03-11", endDate: "2025-03-12", orderBy: "ctr desc", pageSize: 2, pageToken: first.nextPageToken });
    assert.deepEqual(
      second.rows.map((r) => [r.campaignId, r.metrics!.ctr]),
      [
        ["c-yen", 0], // JPY among EUR and USD: ctr has no currency
        ["c-quiet", undefined],
      ],
    );
    assert.equal(second.nextPageToken, "");
  });

  it("orders money within one currency (currency A to Z, then the amount) across two keyset pages", async () => {
    const req = { startDate: "2025-03-11", endDate: "2025-03-12", orderBy: "cost_micros desc", pageSize: 2 };
    const row = (r: ListCampaignPerformanceResponse["rows"][number]) => [r.campaignId, r.currencyCode, r.metrics!.costMicros];
    const first = await list(req);
    assert.deepEqual(first.rows.map(row), [
      ["c-berlin", "EUR", "4000000"],
      ["c-quiet", "EUR", "0"],
    ]);
    const second = await list({ ...req, pageToken: first.nextPageToken });
    assert.deepEqual(second.rows.map(row), [
      ["c-yen", "JPY", "100000000"],
      ["c-newyork", "USD", "500000"],
    ]);
    assert.equal(second.nextPageToken, "");
    // page_size may change between pages; the rest of the table follows the same cursor.
    const rest = await list({ ...req, pageSize: 1, pageToken: first.nextPageToken });
    assert.deepEqual(rest.rows.map(row), [["c-yen", "JPY", "100000000"]]);
    const last = await list({ ...req, pageSize: 5, pageToken: rest.nextPageToken });
    assert.deepEqual([last.rows.map(row), last.nextPageToken], [[["c-newyork", "USD", "500000"]], ""]);
  });

  it("filters by currency_code (case-insensitive)", async () => {
    const res = await list({ startDate: "2025-03-11", endDate: "2025-03-12", orderBy: "cpm_micros desc", currencyCode: "eur" });
    assert.deepEqual(
      res.rows.map((r) => [r.campaignId, r.metrics!.cpmMicros]),
      [
        ["c-berlin", "4000000000"], // 4 EUR for 1 impression: 4000 EUR per mille
        ["c-quiet", undefined],
      ],
    );
  });

  it("lists only the ids asked for (one comma-separated value works too)", async () => {
    const res = await list({ campaignIds: ["c-quiet,c-newyork"], startDate: "2025-03-11", endDate: "2025-03-11", orderBy: "impressions desc" });
    assert.deepEqual(
      res.rows.map((r) => r.campaignId),
      ["c-newyork", "c-quiet"],
    );
  });

  it("lists ids that are not the tenant's campaigns as unknown and answers the rest of the table", async () => {
    const res = await list({ campaignIds: ["c-quiet", "c-other,c-never", "c-berlin"], startDate: "2025-03-11", endDate: "2025-03-11" });
    assert.deepEqual(
      res.rows.map((r) => [r.campaignId, r.metrics!.costMicros]),
      [
        ["c-berlin", "1000000"],
        ["c-quiet", "0"],
      ],
    );
    assert.deepEqual(res.unknownCampaignIds, ["c-never", "c-other"]); // c-other is tenant-2's
    const none = await list({ campaignIds: ["c-other"] });
    assert.deepEqual([none.rows, none.unknownCampaignIds, none.nextPageToken], [[], ["c-other"], ""]);
  });

  it("lists unknown ids on every page of the request", async () => {
    const req = { campaignIds: ["c-berlin", "c-never", "c-quiet", "c-yen"], startDate: "2025-03-11", endDate: "2025-03-11", pageSize: 2 };
    const first = await list(req);
    const second = await list({ ...req, pageToken: first.nextPageToken });
    assert.deepEqual(
      [first.rows.map((r) => r.campaignId), first.unknownCampaignIds, second.rows.map((r) => r.campaignId), second.unknownCampaignIds, second.nextPageToken],
      [["c-berlin", "c-quiet"], ["c-never"], ["c-yen"], ["c-never"], ""],
    );
  });

  it("answers INVALID_ARGUMENT on campaign_ids for an id that cannot be a campaign id", async () => {
    const err = await list({ campaignIds: ["c-berlin", "c berlin", "../c-quiet"] }).then(
      () => null,
      (e: ServiceError) => e,
    );
    assert.equal(err?.code, status.INVALID_ARGUMENT);
    assert.deepEqual(
      decodeStatusDetails(err!).violations.map((v) => [v.field, v.description]),
      [["campaign_ids", `"../c-quiet" and 1 more: must be 1–128 letters, digits, '-' or '_'`]],
    );
  });

  it("answers INVALID_ARGUMENT on page_token for a token of another request or another tenant", async () => {
    const req = { startDate: "2025-03-11", endDate: "2025-03-12", pageSize: 1 };
    const { nextPageToken } = await list(req);
    const others: [Partial<ListCampaignPerformanceRequest>, string][] = [
      [{ ...req, orderBy: "campaign_id desc" }, TENANT],
      [{ ...req, endDate: "2025-03-13" }, TENANT],
      [{ ...req, campaignIds: ["c-berlin", "c-quiet"] }, TENANT],
      [{ ...req, currencyCode: "EUR" }, TENANT],
      [req, "tenant-2"],
    ];
    for (const [other, tenantId] of others) {
      const err = await list({ ...other, pageToken: nextPageToken }, tenantId).then(
        () => null,
        (e: ServiceError) => e,
      );
      assert.equal(err?.code, status.INVALID_ARGUMENT, JSON.stringify([other, tenantId]));
      assert.deepEqual(
        decodeStatusDetails(err!).violations.map((v) => v.field),
        ["page_token"],
      );
    }
  });

  it("answers INVALID_ARGUMENT on page_token for a forged token (an edited cursor under the old MAC)", async () => {
    const first = await list({ startDate: "2025-03-11", endDate: "2025-03-12", pageSize: 1 });
    const forged = `${Buffer.from(JSON.stringify({ v: "c-a", i: "c-a", n: 0 })).toString("base64url")}.${first.nextPageToken.split(".")[1]}`;
    for (const pageToken of [forged, "eyJvIjoxLCJmIjoieCJ9", "\u0000"]) {
      const err = await list({ startDate: "2025-03-11", endDate: "2025-03-12", pageSize: 1, pageToken }).then(
        () => null,
        (e: ServiceError) => e,
      );
      assert.equal(err?.code, status.INVALID_ARGUMENT, pageToken);
      assert.deepEqual(
        decodeStatusDetails(err!).violations.map((v) => v.field),
        ["page_token"],
      );
    }
  });

  it("rejects bad input with every bad field", async () => {
    const err = await list({ startDate: "2025-13-01", orderBy: "popularity", pageSize: -1, pageToken: "nonsense", currencyCode: "EURO" }).then(
      () => null,
      (e: ServiceError) => e,
    );
    assert.equal(err?.code, status.INVALID_ARGUMENT);
    assert.deepEqual(
      decodeStatusDetails(err!)
        .violations.map((v) => v.field)
        .sort(),
      ["currency_code", "order_by", "page_size", "page_token", "start_date"],
    );
  });
});
