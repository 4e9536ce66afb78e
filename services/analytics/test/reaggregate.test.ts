/** ReaggregateCampaign: rollups rebuilt from raw events, the change reported, caches invalidated. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { status, type ServiceError } from "@grpc/grpc-js";
import {
  GetCampaignInsightsRequest,
  Granularity,
  ReaggregateCampaignRequest,
  type GetCampaignInsightsResponse,
  type ReaggregateCampaignResponse,
} from "#gen/tally/analytics/v1/analytics.js";
import { EventType } from "#gen/tally/events/v1/events.js";
import type { Role } from "#common/auth.js";
import { startHarness, TENANT, type Harness } from "./harness.js";
import { eventually } from "./support.js";

let h: Harness;

const reaggregate = (req: Partial<ReaggregateCampaignRequest>, role: Role = "EDITOR"): Promise<ReaggregateCampaignResponse> =>
  h.unary((c) => c.reaggregateCampaign, ReaggregateCampaignRequest.fromPartial(req), TENANT, role);

const totals = (campaignId: string): Promise<GetCampaignInsightsResponse> =>
  h.unary(
    (c) => c.getCampaignInsights,
    GetCampaignInsightsRequest.fromPartial({ campaignId, startDate: "2025-03-01", endDate: "2025-03-31", granularity: Granularity.GRANULARITY_TOTAL }),
  );

before(async () => {
  h = await startHarness("reagg");
  h.campaigns.add({ id: "c-fix", currencyCode: "EUR", timeZone: "UTC" });
  await h.produce([
    { campaignId: "c-fix", occurTime: new Date("2025-03-10T10:00:00Z"), costMicros: "100" },
    { campaignId: "c-fix", occurTime: new Date("2025-03-10T10:05:00Z"), costMicros: "100" },
    { campaignId: "c-fix", occurTime: new Date("2025-03-11T08:00:00Z"), type: EventType.EVENT_TYPE_CLICK },
    { campaignId: "c-fix", occurTime: new Date("2025-03-11T08:00:00Z"), type: EventType.EVENT_TYPE_CLICK, filtered: true },
  ]);
  await eventually(async () => (await h.rawCount("c-fix")) === 4, 20_000, "events applied");
});

after(() => h?.stop());

describe("ReaggregateCampaign", () => {
  it("changes nothing when the rollups already match the raw events", async () => {
    const res = await reaggregate({ campaignId: "c-fix" });
    assert.equal(res.changedBuckets, "0");
    assert.deepEqual([res.before!.impressions, res.before!.clicks, res.before!.filteredEvents], ["2", "1", "1"]);
    assert.deepEqual(res.after, res.before);
  });

  it("repairs damaged rollups, reports the change, and invalidates cached insights", async () => {
    assert.equal((await totals("c-fix")).totals!.impressions, "2"); // now cached
    // Damage: one bucket inflated, another lost, a stray bucket that no event explains.
    await h.db.raw("UPDATE rollups SET impressions = impressions + 5 WHERE campaign_id = 'c-fix' AND bucket_start = '2025-03-10T10:00:00Z'");
    await h.db.raw("DELETE FROM rollups WHERE campaign_id = 'c-fix' AND bucket_start = '2025-03-11T08:00:00Z'");
    await h.db.raw("INSERT INTO rollups VALUES (?, 'c-fix', '2025-03-12T00:00:00Z', 'meta', 'DE', 1, 9, 0, 0, 0, 0, 0)", [TENANT]);

    const res = await reaggregate({ campaignId: "c-fix", startDate: "2025-03-01", endDate: "2025-03-31" });
    assert.equal(res.changedBuckets, "3");
    assert.deepEqual([res.before!.impressions, res.before!.clicks, res.before!.filteredEvents], ["16", "0", "0"]);
    assert.deepEqual([res.after!.impressions, res.after!.clicks, res.after!.filteredEvents, res.after!.costMicros], ["2", "1", "1", "200"]);
    const stray = await h.db.raw("SELECT count(*)::int AS n FROM rollups WHERE campaign_id = 'c-fix' AND bucket_start = '2025-03-12T00:00:00Z'");
    assert.equal(stray.rows[0].n, 0, "a bucket rebuilt to zero is removed");
    const t = (await totals("c-fix")).totals!;
    assert.deepEqual([t.impressions, t.clicks, t.filteredEvents], ["2", "1", "1"]);
  });

  it("is for editors: a viewer is PERMISSION_DENIED", async () => {
    const err = await reaggregate({ campaignId: "c-fix" }, "VIEWER").then(
      () => null,
      (e: ServiceError) => e,
    );
    assert.equal(err?.code, status.PERMISSION_DENIED);
  });
});
