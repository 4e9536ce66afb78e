import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EventType } from "#gen/tally/events/v1/events.js";
import { isBotUserAgent } from "../../domain/bot-user-agent.js";
import { normalisePlatform } from "#common/contract/platform.js";
import { normaliseRegion } from "#common/contract/region.js";
import { createTrafficGenerator, seededRandom } from "./traffic.js";

const NOW = new Date("2025-04-20T12:00:00Z");
const CAMPAIGNS = ["cmp-a", "cmp-b", "cmp-c"];

describe("traffic generator", () => {
  it("is deterministic: the same seed gives the same events", () => {
    const a = createTrafficGenerator({ seed: 42, campaignIds: CAMPAIGNS });
    const b = createTrafficGenerator({ seed: 42, campaignIds: CAMPAIGNS });
    assert.deepEqual([a.next(500, NOW), a.next(500, NOW)], [b.next(500, NOW), b.next(500, NOW)]);
  });

  it("gives different traffic and different event ids for another seed", () => {
    const a = createTrafficGenerator({ seed: 1, campaignIds: CAMPAIGNS }).next(100, NOW);
    const b = createTrafficGenerator({ seed: 2, campaignIds: CAMPAIGNS }).next(100, NOW);
    assert.notDeepEqual(
      a.map((e) => e.platform),
      b.map((e) => e.platform),
    );
    const ids = new Set(a.map((e) => e.eventId));
    assert.ok(b.every((e) => !ids.has(e.eventId)));
  });

  it("draws uniformly distributed numbers", () => {
    const random = seededRandom(7);
    const draws = Array.from({ length: 100_000 }, random);
    assert.ok(draws.every((x) => x >= 0 && x < 1));
    const mean = draws.reduce((s, x) => s + x, 0) / draws.length;
    assert.ok(Math.abs(mean - 0.5) < 0.01, `mean ${mean}`);
  });

  describe("over 300,000 events", () => {
    const events = createTrafficGenerator({ seed: 2025, campaignIds: CAMPAIGNS }).next(300_000, NOW);
    const of = (type: EventType) => events.filter((e) => e.type === type);
    const impressions = of(EventType.EVENT_TYPE_IMPRESSION);
    const clicks = of(EventType.EVENT_TYPE_CLICK);
    const conversions = of(EventType.EVENT_TYPE_CONVERSION);

    it("has unique event ids", () => assert.equal(new Set(events.map((e) => e.eventId)).size, events.length));

    it("has a click-through rate between 1 and 3 %", () => {
      const ctr = clicks.length / impressions.length;
      assert.ok(ctr > 0.01 && ctr < 0.03, `ctr ${ctr}`);
    });

    it("converts 3–8 % of clicks", () => {
      const cvr = conversions.length / clicks.length;
      assert.ok(cvr > 0.03 && cvr < 0.08, `cvr ${cvr}`);
    });

    it("sends about 2 % bot user agents", () => {
      const share = events.filter((e) => isBotUserAgent(e.userAgent)).length / events.length;
      assert.ok(share > 0.015 && share < 0.025, `bot share ${share}`);
    });

    it("weights platforms meta > google > tiktok > linkedin, all valid slugs", () => {
      const count = (p: string) => events.filter((e) => e.platform === p).length;
      assert.ok(count("meta") > count("google") && count("google") > count("tiktok") && count("tiktok") > count("linkedin"));
      assert.ok(events.every((e) => normalisePlatform(e.platform) === e.platform));
    });

    it("uses valid regions, the US most, and a little unknown", () => {
      const regions = new Map<string, number>();
      for (const e of events) regions.set(e.region, (regions.get(e.region) ?? 0) + 1);
      assert.ok([...regions.keys()].every((r) => normaliseRegion(r) !== null));
      assert.deepEqual([...regions.entries()].sort((a, b) => b[1] - a[1])[0]![0], "US");
      assert.ok(regions.has("") && ["GB", "DE", "FR", "IN", "BR"].every((r) => regions.has(r)));
    });

    it("puts revenue on conversions only, around 45.00 a conversion", () => {
      assert.ok([...impressions, ...clicks].every((e) => e.valueMicros === "0"));
      const values = conversions.map((e) => Number(e.valueMicros));
      assert.ok(
        values.every((v) => v > 0 && v % 10_000 === 0),
        "positive whole cents",
      );
      const median = values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
      assert.ok(median > 35_000_000 && median < 55_000_000, `median ${median}`);
    });

    it("charges impressions on CPM platforms and clicks on CPC platforms, never conversions", () => {
      const cost = (list: typeof events, platforms: string[]) => list.filter((e) => platforms.includes(e.platform)).every((e) => Number(e.costMicros) > 0);
      const free = (list: typeof events, platforms: string[]) => list.filter((e) => platforms.includes(e.platform)).every((e) => e.costMicros === "0");
      assert.ok(cost(impressions, ["meta", "tiktok"]) && free(clicks, ["meta", "tiktok"]));
      assert.ok(cost(clicks, ["google", "linkedin"]) && free(impressions, ["google", "linkedin"]));
      assert.ok(conversions.every((e) => e.costMicros === "0"));
    });

    it("spreads events over the campaigns and the last 30 seconds", () => {
      assert.deepEqual(new Set(events.map((e) => e.campaignId)), new Set(CAMPAIGNS));
      assert.ok(events.every((e) => e.occurTime! <= NOW && NOW.getTime() - e.occurTime!.getTime() < 30_000));
    });
  });
});
