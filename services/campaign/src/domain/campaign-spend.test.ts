import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createSpendReader, type SpendSource } from "./campaign-spend.js";

const campaign = { id: "c1", budgetMicros: "100000000", timeZone: "UTC" };

function source(answers: (number | Error)[]): SpendSource & { calls: number } {
  const s = {
    calls: 0,
    async spendOf() {
      const a = answers[s.calls++]!;
      if (a instanceof Error) throw a;
      return { spendMicros: String(a), budgetUtilization: a / 100_000_000, state: "ON_TRACK" as const };
    },
  };
  return s;
}

describe("spend reader", () => {
  it("reuses an answer for cacheMs, per campaign and budget", async () => {
    let t = 0;
    const src = source([1_000_000, 2_000_000, 3_000_000]);
    const reader = createSpendReader(src, { cacheMs: 5000, pauseAfterFailureMs: 1000, now: () => t });
    assert.deepEqual(await reader.spendOf("t", campaign), { available: true, spendMicros: "1000000", budgetUtilization: 0.01, state: "ON_TRACK" });
    t = 4999;
    assert.equal(((await reader.spendOf("t", campaign)) as { spendMicros: string }).spendMicros, "1000000");
    assert.equal(((await reader.spendOf("t", { ...campaign, budgetMicros: "5" })) as { spendMicros: string }).spendMicros, "2000000");
    t = 5000;
    assert.equal(((await reader.spendOf("t", campaign)) as { spendMicros: string }).spendMicros, "3000000");
    assert.equal(src.calls, 3);
  });

  it("marks spend unavailable on a failure and does not ask again during the pause", async () => {
    let t = 0;
    const src = source([new Error("deadline exceeded"), 7]);
    const reader = createSpendReader(src, { cacheMs: 5000, pauseAfterFailureMs: 1000, now: () => t });
    assert.deepEqual(await reader.spendOf("t", campaign), { available: false, reason: "ANALYTICS_UNAVAILABLE" });
    t = 999;
    assert.deepEqual(await reader.spendOf("t", campaign), { available: false, reason: "ANALYTICS_UNAVAILABLE" });
    assert.equal(src.calls, 1);
    t = 1000;
    assert.equal((await reader.spendOf("t", campaign)).available, true);
    assert.equal(src.calls, 2);
  });
});
