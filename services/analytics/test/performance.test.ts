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
  h.campaigns.add({ id: "c-other", tenantId: "tenant-2", currencyCode: "EUR", timeZone: "UTC" });
  const late = new Date("2025-03-11T23:30:00Z");
  await h.produce([
    { campaignId: "c-berlin", occurTime: late, costMicros: "3000000" },
    { campaignId: "c-berlin", occurTime: new Date("2025-03-11T12:00:00Z"), type: EventType.EVENT_TYPE_CLICK, costMicros: "1000000" },
    { campaignId: "c-newyork", occurTime: late, costMicros: "500000" },
    { campaignId: "c-newyork", occurTime: late },
    { campaignId: "c-newyork", occurTime: late, type: EventType.EVENT_TYPE_CLICK },
    { tenantId: "tenant-2", campaignId: "c-other", occurTime: late },
  ]);
  await eventually(async () => (await h.rawCount("c-berlin")) === 2 && (await h.rawCount("c-newyork")) === 3, 20_000, "events applied");
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
      ],
    );
    assert.equal(res.nextPageToken, "");
    assert.ok(res.freshnessTime instanceof Date);
  });

  it("orders by a metric, absent ratios last, and pages with an opaque token", async () => {
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
      [["c-quiet", undefined]],
    );
    assert.equal(second.nextPageToken, "");
  });

  it("lists only the ids asked for (one comma-separated value works too)", async () => {
    const res = await list({ campaignIds: ["c-quiet,c-newyork"], startDate: "2025-03-11", endDate: "2025-03-11", orderBy: "impressions desc" });
    assert.deepEqual(
      res.rows.map((r) => r.campaignId),
      ["c-newyork", "c-quiet"],
    );
  });

  it("answers NOT_FOUND for another tenant's campaign id", async () => {
    const err = await list({ campaignIds: ["c-other"] }).then(
      () => null,
      (e: ServiceError) => e,
    );
    assert.equal(err?.code, status.NOT_FOUND);
    assert.equal(decodeStatusDetails(err!).reason, "CAMPAIGN_NOT_FOUND");
  });

  it("answers INVALID_ARGUMENT on page_token for a forged token (an edited offset under the old MAC)", async () => {
    const first = await list({ startDate: "2025-03-11", endDate: "2025-03-12", pageSize: 1 });
    const forged = `${Buffer.from("-5").toString("base64url")}.${first.nextPageToken.split(".")[1]}`;
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
    const err = await list({ startDate: "2025-13-01", orderBy: "popularity", pageSize: -1, pageToken: "nonsense" }).then(
      () => null,
      (e: ServiceError) => e,
    );
    assert.equal(err?.code, status.INVALID_ARGUMENT);
    assert.deepEqual(
      decodeStatusDetails(err!)
        .violations.map((v) => v.field)
        .sort(),
      ["order_by", "page_size", "page_token", "start_date"],
    );
  });
});
