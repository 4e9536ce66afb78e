import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ReceiptStatus, type AdEvent, type IngestEventsResponse } from "#gen/tally/ingestion/v1/ingestion.js";
import { ConfigError } from "#common/config.js";
import { testLogger } from "../../../../../test/support/stack.js";
import { loadSimulatorConfig } from "./simulator-config.js";
import { createTrafficGenerator } from "./traffic.js";
import { TrafficSender } from "./traffic-sender.js";

const accepted = (
  events: AdEvent[],
  status = (_: AdEvent, __: number) => ({ s: ReceiptStatus.RECEIPT_STATUS_ACCEPTED, reason: "" }),
): IngestEventsResponse => ({
  receipts: events.map((e, index) => {
    const { s, reason } = status(e, index);
    return { index, eventId: e.eventId, status: s, reason, field: "", message: "" };
  }),
  counts: undefined,
});

function sender(send: (events: AdEvent[]) => Promise<IngestEventsResponse>) {
  const generator = createTrafficGenerator({ seed: 9, campaignIds: ["cmp-1"] });
  return new TrafficSender(generator, send, { rate: 2000, batchSize: 100, summaryEveryMs: 60_000 }, testLogger("simulator"));
}

describe("simulator configuration", () => {
  it("requires a token and campaign ids, naming both at once", () => {
    assert.throws(
      () => loadSimulatorConfig({}),
      (err: ConfigError) => err.problems.length === 2,
    );
  });

  it("defaults to 50 events/s against the local ingestion port", () => {
    const c = loadSimulatorConfig({ TALLY_SIM_TOKEN: "t", TALLY_SIM_CAMPAIGN_IDS: "a, b" });
    assert.deepEqual([c.rate, c.ingestionAddr, c.campaignIds], [50, "127.0.0.1:50052", ["a", "b"]]);
  });
});

describe("traffic sender", () => {
  it("resends a failed batch with the same event ids, and IN_FLIGHT events until they get a final receipt", async () => {
    const calls: string[][] = [];
    let failNext = true;
    const inFlightOnce = new Set<string>();
    const s = sender(async (events) => {
      calls.push(events.map((e) => e.eventId));
      if (failNext) {
        failNext = false;
        throw Object.assign(new Error("unavailable"), { code: 14 });
      }
      return accepted(events, (e, i) => {
        if (calls.length === 2 && i === 0 && !inFlightOnce.has(e.eventId)) {
          inFlightOnce.add(e.eventId);
          return { s: ReceiptStatus.RECEIPT_STATUS_REJECTED, reason: "IN_FLIGHT" };
        }
        return { s: ReceiptStatus.RECEIPT_STATUS_ACCEPTED, reason: "" };
      });
    });
    const running = s.start();
    while (calls.length < 4) await new Promise((r) => setTimeout(r, 20));
    await s.stop();
    await running;
    assert.deepEqual(calls[1], calls[0], "the failed batch is resent as it was");
    assert.deepEqual(calls[2], [calls[1]![0]], "the IN_FLIGHT event is sent again on its own");
    assert.equal(s.stats.failedCalls, 1);
    assert.equal(s.stats.rejected, 0);
    assert.equal(s.stats.accepted, s.stats.sent);
  });

  it("gives up on a credential the server refuses", async () => {
    const s = sender(async () => {
      throw Object.assign(new Error("unauthenticated"), { code: 16 });
    });
    await assert.rejects(s.start(), (err: { code: number }) => err.code === 16);
  });
});
