import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { canonicalIp, createClickFloodCheck, type ClickCandidate, type ClickCounter, type ClickWindow } from "./click-flood.js";

/** Records every call; totals by campaign, IP and window start. */
class RecordingCounter implements ClickCounter {
  readonly calls: [string, string, number, number, number][] = [];
  readonly totals = new Map<string, number>();
  async count(campaignId: string, ip: string, window: ClickWindow, clicks: number) {
    this.calls.push([campaignId, ip, window.startMs, window.lengthMs, clicks]);
    const key = `${campaignId}/${ip}/${window.startMs}`;
    this.totals.set(key, (this.totals.get(key) ?? 0) + clicks);
    return this.totals.get(key)!;
  }
}

const T0 = Date.parse("2025-04-20T12:00:00Z");
const click = (change: Partial<ClickCandidate> = {}): ClickCandidate => ({
  campaignId: "cmp-1",
  ip: "192.0.2.1",
  type: "CLICK",
  occurTime: new Date(T0 + 5_000),
  ...change,
});
const reasons = (verdicts: ({ reason: string } | null)[]) => verdicts.map((v) => v?.reason ?? "-");

describe("createClickFloodCheck", () => {
  it("flags exactly the clicks beyond the maximum, across calls, per campaign and IP", async () => {
    const counter = new RecordingCounter();
    const check = createClickFloodCheck(counter, { maxClicks: 3, windowMs: 60_000 });
    assert.deepEqual(reasons(await check.screen([click(), click()])), ["-", "-"]);
    const verdicts = await check.screen([click(), click({ ip: "192.0.2.2" }), click(), click({ campaignId: "cmp-2" }), click()]);
    assert.deepEqual(reasons(verdicts), ["-", "-", "CLICK_FLOOD", "-", "CLICK_FLOOD"]);
    assert.deepEqual({ ...verdicts[2]!, message: undefined }, { reason: "CLICK_FLOOD", field: "ip", message: undefined });
    assert.match(verdicts[2]!.message, /more than 3 clicks .* within 60 s/);
  });

  it("makes one counter call per campaign, IP and window, with the window placed by occur_time", async () => {
    const counter = new RecordingCounter();
    const check = createClickFloodCheck(counter, { maxClicks: 100, windowMs: 60_000 });
    await check.screen([click(), click(), click({ occurTime: new Date(T0 + 60_000) }), click({ ip: "::ffff:192.0.2.1" })]);
    assert.deepEqual(counter.calls, [
      ["cmp-1", "192.0.2.1", T0, 60_000, 3],
      ["cmp-1", "192.0.2.1", T0 + 60_000, 60_000, 1],
    ]);
  });

  it("counts neither impressions nor conversions nor events without a valid IP", async () => {
    const counter = new RecordingCounter();
    const check = createClickFloodCheck(counter, { maxClicks: 1, windowMs: 60_000 });
    const verdicts = await check.screen([
      click({ type: "IMPRESSION" }),
      click({ type: "CONVERSION" }),
      click({ ip: "" }),
      click({ ip: "" }),
      click({ ip: "nope" }),
      click({ ip: "nope" }),
    ]);
    assert.deepEqual(reasons(verdicts), ["-", "-", "-", "-", "-", "-"]);
    assert.deepEqual(counter.calls, []);
  });

  it("lets every click through when the counter answers 0 (it could not count)", async () => {
    const check = createClickFloodCheck({ count: async () => 0 }, { maxClicks: 1, windowMs: 60_000 });
    assert.deepEqual(reasons(await check.screen([click(), click(), click()])), ["-", "-", "-"]);
  });
});

describe("canonicalIp", () => {
  const cases: [string, string | null][] = [
    ["192.0.2.1", "192.0.2.1"],
    ["::ffff:192.0.2.1", "192.0.2.1"],
    ["::FFFF:c000:201", "192.0.2.1"],
    ["2001:DB8:0:0::1", "2001:db8::1"],
    ["2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"],
    ["", null],
    ["192.0.2.256", null],
    ["not-an-ip", null],
  ];
  for (const [ip, canonical] of cases) it(`${JSON.stringify(ip)} → ${canonical}`, () => assert.equal(canonicalIp(ip), canonical));
});
