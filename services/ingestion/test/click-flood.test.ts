/**
 * Click floods end to end (real Redis and Kafka through the ingestion harness), and the Redis click
 * counter on its own, including a Redis that cannot be reached.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { EventType } from "#gen/tally/events/v1/events.js";
import { AdEvent, ReceiptStatus } from "#gen/tally/ingestion/v1/ingestion.js";
import { createMetrics } from "#common/metrics.js";
import { createRedis } from "#common/redis.js";
import { call } from "../../../test/support/grpc.js";
import { stack, testLogger, uniqueName } from "../../../test/support/stack.js";
import { RedisClickCounter } from "../src/click-flood/redis-click-counter.js";
import { startIngestionHarness } from "./ingestion-harness.js";

type Harness = Awaited<ReturnType<typeof startIngestionHarness>>;
let h: Harness;
let token: string;
const TENANT = uniqueName("tenant-flood-");

before(async () => {
  h = await startIngestionHarness();
  for (const id of ["cmp-flood", "cmp-other"]) h.source.put({ id, tenantId: TENANT, name: id, status: "ACTIVE", currencyCode: "USD", timeZone: "UTC" });
  token = await h.token(TENANT);
});
after(async () => {
  await h.stop();
});

describe("click floods (TALLY_CLICK_FLOOD_MAX=20 per 60 s, the defaults)", () => {
  // One occur_time for every click: they share one window whatever the wall clock does meanwhile.
  const occurTime = new Date(Date.now() - 30_000);
  const click = (over: Partial<AdEvent> = {}): AdEvent =>
    AdEvent.fromPartial({
      eventId: uniqueName("clk-"),
      campaignId: "cmp-flood",
      type: EventType.EVENT_TYPE_CLICK,
      platform: "meta",
      region: "US",
      occurTime,
      userAgent: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
      ip: "198.51.100.20",
      ...over,
    });
  const ingest = (events: AdEvent[]) => call(h.client, h.client.ingestEvents, { events }, token);

  it("filters exactly the 21st click from one IP on one campaign; resends, other IPs, other campaigns and impressions are not counted against it", async () => {
    const first = Array.from({ length: 19 }, () => click());
    assert.deepEqual((await ingest(first)).counts, { accepted: "19", duplicate: "0", filtered: "0", rejected: "0" });

    const second = [
      first[0]!, // DUPLICATE: a resend does not count, or the next click would be the 21st
      click(), // the 20th: still allowed
      click({ ip: "198.51.100.21" }),
      click({ campaignId: "cmp-other" }),
      click({ type: EventType.EVENT_TYPE_IMPRESSION }),
      click({ ip: "::ffff:198.51.100.20" }), // the same address through a dual-stack socket: the 21st
    ];
    const res = await ingest(second);
    assert.deepEqual(
      res.receipts.map((r) => [ReceiptStatus[r.status], r.reason, r.field]),
      [
        ["RECEIPT_STATUS_DUPLICATE", "", ""],
        ["RECEIPT_STATUS_ACCEPTED", "", ""],
        ["RECEIPT_STATUS_ACCEPTED", "", ""],
        ["RECEIPT_STATUS_ACCEPTED", "", ""],
        ["RECEIPT_STATUS_ACCEPTED", "", ""],
        ["RECEIPT_STATUS_FILTERED", "CLICK_FLOOD", "ip"],
      ],
    );
    assert.deepEqual(res.counts, { accepted: "4", duplicate: "1", filtered: "1", rejected: "0" });

    const third = await ingest([click(), click({ ip: "198.51.100.21" })]);
    assert.deepEqual(
      third.receipts.map((r) => r.reason),
      ["CLICK_FLOOD", ""],
    );

    // Kept and counted apart: published, marked filtered, like any bot traffic.
    const ids = [...second.slice(1), ...third.receipts.map((r) => ({ eventId: r.eventId }))].map((e) => e.eventId);
    const records = await h.published.waitFor(ids);
    assert.deepEqual(
      records.map((r) => [r.campaignId, r.filtered, r.filterReason]),
      [
        ["cmp-flood", false, ""],
        ["cmp-flood", false, ""],
        ["cmp-other", false, ""],
        ["cmp-flood", false, ""],
        ["cmp-flood", true, "CLICK_FLOOD"],
        ["cmp-flood", true, "CLICK_FLOOD"],
        ["cmp-flood", false, ""],
      ],
    );
    const metric = (await h.metrics.registry.getSingleMetric("tally_ingest_receipts_total")!.get()).values;
    assert.equal(metric.find((v) => v.labels.status === "FILTERED" && v.labels.reason === "CLICK_FLOOD")?.value, 2);
  });
});

describe("RedisClickCounter", () => {
  const prefix = `${uniqueName("clicktest")}:`;
  const logger = testLogger("ingestion");
  const redis = createRedis(stack.redisUrl, logger, prefix);
  after(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys.map((k) => k.slice(prefix.length)));
    await redis.quit();
  });

  it("adds to one key per campaign, IP and window under the key prefix, which expires two windows after its latest click", async () => {
    const counter = new RedisClickCounter(redis, logger, createMetrics("t"));
    const window = { startMs: 1_745_150_400_000, lengthMs: 60_000 };
    assert.deepEqual(
      [
        await counter.count("cmp-1", "192.0.2.1", window, 3),
        await counter.count("cmp-1", "192.0.2.1", window, 1),
        await counter.count("cmp-1", "192.0.2.2", window, 1),
        await counter.count("cmp-1", "192.0.2.1", { ...window, startMs: window.startMs + 60_000 }, 2),
      ],
      [3, 4, 1, 2],
    );
    assert.deepEqual((await redis.keys(`${prefix}clicks:*`)).sort(), [
      `${prefix}clicks:cmp-1:192.0.2.1:1745150400000`,
      `${prefix}clicks:cmp-1:192.0.2.1:1745150460000`,
      `${prefix}clicks:cmp-1:192.0.2.2:1745150400000`,
    ]);
    const ttl = await redis.pttl("clicks:cmp-1:192.0.2.1:1745150400000");
    assert.ok(ttl > 110_000 && ttl <= 120_000, `ttl ${ttl}`);
  });

  it("answers 0 (fail open) and counts the failure when Redis cannot be reached", async () => {
    const down = createRedis("redis://127.0.0.1:1", logger);
    down.on("error", () => undefined);
    const metrics = createMetrics("t");
    const counter = new RedisClickCounter(down, logger, metrics);
    try {
      const window = { startMs: 0, lengthMs: 60_000 };
      assert.deepEqual([await counter.count("cmp-1", "192.0.2.1", window, 5), await counter.count("cmp-1", "192.0.2.1", window, 5)], [0, 0]);
      const failures = await metrics.registry.getSingleMetric("tally_ingest_click_count_failures_total")!.get();
      assert.equal(failures.values[0]?.value, 2);
    } finally {
      down.disconnect();
    }
  });
});
