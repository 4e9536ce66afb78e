import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Redis } from "#common/redis.js";
import { testLogger } from "../../../../test/support/stack.js";
import { RedisCampaignSignals } from "./campaign-signals.js";

/** A Redis pipeline that records SETs and fails while `down` (the one thing this unit decides on). */
function fakeRedis() {
  const state = { down: true, tokens: new Map<string, string>() };
  const redis = {
    pipeline() {
      const sets: [string, string][] = [];
      const p = {
        set: (key: string, value: string) => (sets.push([key, value]), p),
        publish: () => p,
        exec: async () => {
          if (state.down) throw new Error("connect ECONNREFUSED");
          for (const [k, v] of sets) state.tokens.set(k, v);
          return sets.flatMap(() => [
            [null, "OK"],
            [null, 0],
          ]);
        },
      };
      return p;
    },
  } as unknown as Redis;
  return { state, redis };
}

describe("RedisCampaignSignals", () => {
  it("renews every changed campaign's token once Redis is back, instead of dropping the renewal", async () => {
    const { state, redis } = fakeRedis();
    const signals = new RedisCampaignSignals(redis, "p:", testLogger());
    await signals.changed([{ tenantId: "t1", campaignId: "c1" }]);
    assert.equal(state.tokens.size, 0);
    state.down = false;
    await signals.changed([{ tenantId: "t1", campaignId: "c2" }]);
    assert.deepEqual([...state.tokens.keys()].sort(), ["analytics:gen:t1:c1", "analytics:gen:t1:c2"]);
  });

  it("never sets the same token twice", async () => {
    const { state, redis } = fakeRedis();
    state.down = false;
    const signals = new RedisCampaignSignals(redis, "p:", testLogger());
    const seen = new Set<string>();
    for (let i = 0; i < 100; i += 1) {
      await signals.changed([{ tenantId: "t1", campaignId: "c1" }]);
      seen.add(state.tokens.get("analytics:gen:t1:c1")!);
    }
    assert.equal(seen.size, 100);
  });
});
