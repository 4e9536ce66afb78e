/** StreamCampaignMetrics: totals at once, then again after each aggregator commit for the campaign. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { status, type ClientReadableStream, type ServiceError } from "@grpc/grpc-js";
import { StreamCampaignMetricsRequest, type StreamCampaignMetricsResponse } from "#gen/tally/analytics/v1/analytics.js";
import { EventType } from "#gen/tally/events/v1/events.js";
import { decodeStatusDetails } from "#common/grpc-status.js";
import { startHarness, TENANT, type Harness } from "./harness.js";
import { eventually } from "./support.js";

let h: Harness;

async function open(req: Partial<StreamCampaignMetricsRequest>, tenantId = TENANT) {
  const call: ClientReadableStream<StreamCampaignMetricsResponse> = h.client.streamCampaignMetrics(
    StreamCampaignMetricsRequest.fromPartial(req),
    await h.metadata(tenantId),
  );
  const received: StreamCampaignMetricsResponse[] = [];
  let error: ServiceError | null = null;
  call.on("data", (m: StreamCampaignMetricsResponse) => received.push(m));
  call.on("error", (e: ServiceError) => (error = e));
  return { call, received, error: () => error };
}

before(async () => {
  h = await startHarness("live");
  h.campaigns.add({ id: "c-live", currencyCode: "EUR", timeZone: "Asia/Kathmandu" });
  h.campaigns.add({ id: "c-calm", currencyCode: "EUR", timeZone: "UTC" });
});

after(() => h?.stop());

describe("StreamCampaignMetrics", () => {
  it("sends today's totals at once and again when new data arrives", async () => {
    const stream = await open({ campaignId: "c-live" });
    const first = await eventually(async () => stream.received[0], 5_000, "the first message");
    assert.equal(first.campaignId, "c-live");
    assert.equal(first.totals!.impressions, "0");
    assert.ok(first.freshnessTime instanceof Date);

    await h.produce([{ campaignId: "c-live" }, { campaignId: "c-live", type: EventType.EVENT_TYPE_CLICK }]);
    await eventually(async () => stream.received.at(-1)!.totals!.clicks === "1", 10_000, "an update with the click");
    const last = stream.received.at(-1)!;
    assert.deepEqual([last.totals!.impressions, last.totals!.clicks, last.totals!.ctr], ["1", "1", 1]);

    // Another campaign's data does not wake this stream.
    const count = stream.received.length;
    await h.produce([{ campaignId: "c-calm" }]);
    await eventually(async () => (await h.rawCount("c-calm")) === 1, 10_000, "the other campaign's event");
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(stream.received.length, count);
    stream.call.cancel();
  });

  it("answers NOT_FOUND for another tenant and INVALID_ARGUMENT for a bad start date", async () => {
    const other = await open({ campaignId: "c-live" }, "tenant-2");
    await eventually(async () => other.error(), 5_000, "an error");
    assert.equal(other.error()!.code, status.NOT_FOUND);
    const bad = await open({ campaignId: "c-live", startDate: "2025-02-30", timeZone: "Nowhere/Land" });
    await eventually(async () => bad.error(), 5_000, "an error");
    assert.equal(bad.error()!.code, status.INVALID_ARGUMENT);
    assert.deepEqual(
      decodeStatusDetails(bad.error()!).violations.map((v) => v.field),
      ["start_date", "time_zone"],
    );
  });
});
