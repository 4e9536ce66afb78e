/**
 * Budget pacing through the real aggregator: spend to date (default spend source) crossing 90 %
 * and 100 % of the budget fires exactly one BUDGET_APPROACHING and one BUDGET_EXCEEDED campaign
 * event, and the live stream's pacing moves ON_TRACK → APPROACHING → EXCEEDED.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { ClientReadableStream } from "@grpc/grpc-js";
import type { Consumer } from "kafkajs";
import { PacingState, StreamCampaignMetricsRequest, type StreamCampaignMetricsResponse } from "#gen/tally/analytics/v1/analytics.js";
import { CampaignEvent, CampaignEventType } from "#gen/tally/events/v1/events.js";
import { createKafka, topicNames } from "#common/kafka.js";
import { testLogger } from "../../../test/support/stack.js";
import { startHarness, type Harness } from "./harness.js";
import { eventually } from "./support.js";

let h: Harness;
let consumer: Consumer;
const events: CampaignEvent[] = [];

before(async () => {
  h = await startHarness("pace");
  h.campaigns.add({ id: "camp-budget", currencyCode: "EUR", timeZone: "UTC", budgetMicros: "10000000" });
  const kafka = createKafka({ brokers: h.config.kafkaBrokers, clientId: "pace-test", logger: testLogger("pace-consumer") });
  consumer = kafka.consumer({ groupId: `${h.names.group}-events-test` });
  await consumer.connect();
  await consumer.subscribe({ topic: topicNames(h.names.topicPrefix).campaignEvents, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void events.push(CampaignEvent.decode(message.value!)) });
});

after(async () => {
  await consumer?.disconnect();
  await h?.stop();
});

/** Sends one meta report row and waits until it is applied and its budget check has run. */
async function report(date: string, costMicros: string): Promise<void> {
  await h.produceReports([{ campaignId: "camp-budget", platform: "meta", region: "DE", date, costMicros, reportTime: new Date() }]);
  await eventually(
    async () => {
      const cost = (await h.db.raw("SELECT cost_micros FROM platform_report_rows WHERE report_date = ?", [date])).rows[0]?.cost_micros;
      const pending = Number((await h.db.raw("SELECT count(*) AS n FROM pacing_checks")).rows[0].n);
      return cost === costMicros && pending === 0;
    },
    15_000,
    `report ${date} = ${costMicros} applied and checked`,
  );
}

describe("budget pacing", () => {
  it("fires one APPROACHING and one EXCEEDED signal as spend crosses 90 % and 100 % of the budget", async () => {
    const call: ClientReadableStream<StreamCampaignMetricsResponse> = h.client.streamCampaignMetrics(
      StreamCampaignMetricsRequest.fromPartial({ campaignId: "camp-budget" }),
      await h.metadata(),
    );
    const received: StreamCampaignMetricsResponse[] = [];
    call.on("data", (m: StreamCampaignMetricsResponse) => received.push(m));
    call.on("error", () => undefined);
    await eventually(async () => received[0], 5_000, "the first stream message");
    assert.deepEqual(received[0]!.pacing, { spendMicros: "0", budgetMicros: "10000000", budgetUtilization: 0, state: PacingState.PACING_STATE_ON_TRACK });

    await report("2025-03-01", "5000000"); // 50 %
    // Tracked spend on a platform that reports does not count: meta's report is the spend source.
    await h.produce([{ campaignId: "camp-budget", platform: "meta", occurTime: new Date("2025-03-01T12:00:00Z"), costMicros: "99000000" }]);
    await eventually(async () => (await h.rawCount("camp-budget")) === 1, 15_000, "the tracked event");
    await report("2025-03-02", "4000000"); // 90 %: APPROACHING
    await report("2025-03-02", "4500000"); // restated, 95 %: nothing new
    await report("2025-03-03", "500000"); // 100 %: EXCEEDED
    await report("2025-03-04", "1000000"); // 110 %: nothing new

    const signals = () => events.filter((e) => e.campaign?.id === "camp-budget" && e.type !== CampaignEventType.CAMPAIGN_EVENT_TYPE_UNSPECIFIED);
    await eventually(async () => signals().length >= 2, 10_000, "two signals");
    await new Promise((r) => setTimeout(r, 1000)); // nothing more may come
    assert.deepEqual(
      signals().map((e) => [e.type, e.tenantId, e.pacing?.spendMicros, e.pacing?.budgetMicros, e.pacing?.currencyCode]),
      [
        [CampaignEventType.CAMPAIGN_EVENT_TYPE_BUDGET_APPROACHING, "tenant-1", "9000000", "10000000", "EUR"],
        [CampaignEventType.CAMPAIGN_EVENT_TYPE_BUDGET_EXCEEDED, "tenant-1", "10000000", "10000000", "EUR"],
      ],
    );
    assert.deepEqual(
      signals().map((e) => e.eventId),
      ["pacing:tenant-1:camp-budget:APPROACHING:10000000", "pacing:tenant-1:camp-budget:EXCEEDED:10000000"],
    );
    const stored = (await h.db.raw("SELECT threshold, spend_micros, publish_time IS NOT NULL AS published FROM pacing_signals ORDER BY threshold")).rows;
    assert.deepEqual(stored, [
      { threshold: 9, spend_micros: "9000000", published: true },
      { threshold: 10, spend_micros: "10000000", published: true },
    ]);

    // The live stream: each state entered once, in order, ending at 110 %.
    await eventually(async () => received.at(-1)!.pacing!.spendMicros === "11000000", 5_000, "the stream at 110 %");
    const states = received.map((m) => m.pacing!.state).filter((s, i, all) => i === 0 || all[i - 1] !== s);
    assert.deepEqual(states, [PacingState.PACING_STATE_ON_TRACK, PacingState.PACING_STATE_APPROACHING, PacingState.PACING_STATE_EXCEEDED]);
    assert.equal(received.at(-1)!.pacing!.budgetUtilization, 1.1);
    call.cancel();
  });
});
