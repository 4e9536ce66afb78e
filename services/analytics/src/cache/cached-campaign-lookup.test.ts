import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { CampaignInfo } from "#common/clients/campaign-service-client.js";
import { CachedCampaignLookup } from "./cached-campaign-lookup.js";

const campaign: CampaignInfo = { id: "c1", tenantId: "t1", name: "C1", status: "ACTIVE", currencyCode: "EUR", timeZone: "UTC" };

function counting(answer: CampaignInfo | null) {
  const calls: string[] = [];
  return { calls, lookup: { get: async (t: string, id: string) => (calls.push(`${t}/${id}`), answer) } };
}

describe("CachedCampaignLookup", () => {
  it("reuses a found campaign until the TTL passes", async () => {
    let now = 1000;
    const inner = counting(campaign);
    const cached = new CachedCampaignLookup(inner.lookup, 5000, 100, () => now);
    assert.deepEqual(await cached.get("t1", "c1"), campaign);
    assert.deepEqual(await cached.get("t1", "c1"), campaign);
    assert.equal(inner.calls.length, 1);
    now += 5001;
    await cached.get("t1", "c1");
    assert.equal(inner.calls.length, 2);
  });

  it("never caches 'not found' (a campaign created a moment ago is found at once)", async () => {
    const inner = counting(null);
    const cached = new CachedCampaignLookup(inner.lookup, 5000);
    assert.equal(await cached.get("t1", "c1"), null);
    assert.equal(await cached.get("t1", "c1"), null);
    assert.equal(inner.calls.length, 2);
  });

  it("keys by tenant: another tenant's lookup is its own call", async () => {
    const inner = counting(campaign);
    const cached = new CachedCampaignLookup(inner.lookup, 5000);
    await cached.get("t1", "c1");
    await cached.get("t2", "c1");
    assert.deepEqual(inner.calls, ["t1/c1", "t2/c1"]);
  });

  it("shares one call among concurrent misses", async () => {
    const inner = counting(campaign);
    const cached = new CachedCampaignLookup(inner.lookup, 5000);
    await Promise.all([cached.get("t1", "c1"), cached.get("t1", "c1"), cached.get("t1", "c1")]);
    assert.equal(inner.calls.length, 1);
  });
});
