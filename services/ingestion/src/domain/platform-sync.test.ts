import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { backoffMs, lookbackWindow, nextPeriodic, platformActionSlug, toReportRows } from "./platform-sync.js";

describe("platform sync rules", () => {
  it("backs off exponentially after consecutive failures, capped", () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5, 40].map((n) => backoffMs(n, 60_000, 300_000)),
      [60_000, 120_000, 240_000, 300_000, 300_000, 300_000],
    );
  });

  it("keeps periodic syncs on their grid however late a run finished", () => {
    const t0 = new Date("2025-06-01T00:00:00Z");
    const at = (ms: number) => new Date(t0.getTime() + ms);
    assert.deepEqual(
      [at(200), at(999), at(1000), at(3500)].map((now) => nextPeriodic(t0, 1000, now).getTime() - t0.getTime()),
      [1000, 1000, 2000, 4000],
    );
  });

  it("re-reads the lookback window ending today in the account's zone", () => {
    // 03:00 UTC on June 2 is still June 1 in Los Angeles.
    assert.deepEqual(lookbackWindow("America/Los_Angeles", 28, new Date("2025-06-02T03:00:00Z")), { startDate: "2025-05-05", endDate: "2025-06-01" });
    assert.deepEqual(lookbackWindow("Asia/Tokyo", 1, new Date("2025-06-01T20:00:00Z")), { startDate: "2025-06-02", endDate: "2025-06-02" });
  });

  it("sums a campaign's external campaigns per region, day and hour, exactly", () => {
    const r = (ext: string, region: string, conversionsMicros: bigint) => ({
      externalCampaignId: ext,
      date: "2025-06-01",
      hour: null,
      region,
      impressions: 10n,
      clicks: 1n,
      conversionsMicros,
      costMicros: 12_340_000n,
      revenueMicros: 0n,
      currencyCode: "",
    });
    const rows = toReportRows(
      { rows: [r("a", "DE", 1_500_000n), r("b", "DE", 333_333n), r("b", "", 0n), r("z", "DE", 1n)], accountTimeZone: "Europe/Berlin", currencyCode: "EUR" },
      [{ campaignId: "c1", externalCampaignIds: ["a", "b"] }],
      "google",
      new Date("2025-06-02T00:00:00Z"),
    );
    assert.deepEqual(
      rows.map((x) => [x.campaignId, x.region, x.impressions, x.conversionsMicros, x.costMicros, x.currencyCode, x.timeZone]),
      [
        ["c1", "DE", 20n, 1_833_333n, 24_680_000n, "EUR", "Europe/Berlin"],
        ["c1", "ZZ", 10n, 0n, 12_340_000n, "EUR", "Europe/Berlin"],
      ],
    );
  });

  it("keeps a row per conversion action, summing external campaigns per action", () => {
    const row = (ext: string, conversionAction: string | undefined, conversionsMicros: bigint, revenueMicros: bigint, impressions = 0n) => ({
      externalCampaignId: ext,
      date: "2025-06-01",
      hour: null,
      region: "",
      impressions,
      clicks: 0n,
      conversionsMicros,
      costMicros: impressions * 1000n,
      revenueMicros,
      currencyCode: "",
      conversionAction,
    });
    const purchase = "offsite_conversion.fb_pixel_purchase";
    const rows = toReportRows(
      {
        rows: [
          row("a", undefined, 0n, 0n, 100n),
          row("a", purchase, 2_000_000n, 20_000_000n),
          row("b", purchase, 1_000_000n, 5_000_000n),
          row("b", "lead", 1_000_000n, 0n),
        ],
        accountTimeZone: "UTC",
        currencyCode: "EUR",
      },
      [{ campaignId: "c1", externalCampaignIds: ["a", "b"] }],
      "meta",
      new Date("2025-06-02T00:00:00Z"),
    );
    assert.deepEqual(
      rows.map((x) => [x.conversionAction, x.impressions, x.conversionsMicros, x.revenueMicros, x.costMicros]),
      [
        ["", 100n, 0n, 0n, 100_000n],
        ["fb_pixel_purchase", 0n, 3_000_000n, 25_000_000n, 0n],
        ["lead", 0n, 1_000_000n, 0n, 0n],
      ],
    );
  });

  it("counts a platform's action under the slug of its last segment", () => {
    assert.equal(platformActionSlug(undefined), "");
    assert.equal(platformActionSlug("offsite_conversion.fb_pixel_purchase"), "fb_pixel_purchase");
    assert.equal(platformActionSlug("customers/1234567890/conversionActions/901"), "901");
    assert.equal(platformActionSlug("Lead"), "lead");
    assert.equal(platformActionSlug("purchase."), "purchase");
  });
});
