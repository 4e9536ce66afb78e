import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AppError, unavailable } from "#common/errors.js";
import type { EventRecord, IncomingEvent, KnownCampaign } from "./ad-event.js";
import { createBotFilter } from "./bot-filter.js";
import { createClickFloodCheck, type ClickCounter, type ClickWindow } from "./click-flood.js";
import { createIngestEvents, type ClaimOutcome, type EventDedup, type IngestEventsDeps } from "./ingest-events.js";
import { ingestStream } from "./ingest-stream.js";

const NOW = new Date("2025-04-20T12:00:00Z");
const TENANT = "tenant-a";

/** In-memory stand-ins for the use case's own ports. */
class MemoryDedup implements EventDedup {
  readonly state = new Map<string, "pending" | "accepted">();
  async claim(tenantId: string, eventIds: string[]) {
    const keys = eventIds.map((id) => `${tenantId}/${id}`);
    const outcomes = keys.map((k): ClaimOutcome => {
      const s = this.state.get(k);
      if (s === undefined) this.state.set(k, "pending");
      return s === undefined ? "CLAIMED" : s === "accepted" ? "ACCEPTED_BEFORE" : "IN_FLIGHT";
    });
    const mine = keys.filter((_, i) => outcomes[i] === "CLAIMED");
    return {
      outcomes,
      confirm: async () => void mine.forEach((k) => this.state.set(k, "accepted")),
      release: async () => void mine.forEach((k) => this.state.delete(k)),
    };
  }
}

/** Totals by campaign, IP and window; when down it answers 0, as the Redis counter does. */
class MemoryClickCounter implements ClickCounter {
  readonly totals = new Map<string, number>();
  down = false;
  async count(campaignId: string, ip: string, window: ClickWindow, clicks: number) {
    if (this.down) return 0;
    const key = `${campaignId}/${ip}/${window.startMs}`;
    this.totals.set(key, (this.totals.get(key) ?? 0) + clicks);
    return this.totals.get(key)!;
  }
}

/** Campaigns by `${tenant}/${id}`. */
function setup(campaigns: Record<string, KnownCampaign> = { [`${TENANT}/cmp-1`]: { status: "ACTIVE", currencyCode: "USD" } }) {
  const published: EventRecord[] = [];
  const publishedWith: (string | undefined)[] = [];
  const lookups: string[] = [];
  const failures = { publish: false, lookup: false };
  const dedup = new MemoryDedup();
  const clicks = new MemoryClickCounter();
  const deps: IngestEventsDeps = {
    campaigns: {
      async get(tenantId, id) {
        lookups.push(id);
        if (failures.lookup) throw unavailable("campaign service");
        return campaigns[`${tenantId}/${id}`] ?? null;
      },
    },
    dedup,
    publisher: {
      async publish(records, requestId) {
        if (failures.publish) throw new Error("broker down");
        published.push(...records);
        publishedWith.push(requestId);
      },
    },
    botFilter: createBotFilter({ deniedIps: ["203.0.113.0/24"] }),
    clickFloods: createClickFloodCheck(clicks, { maxClicks: 2, windowMs: 60_000 }),
    rules: { lateDataWindowDays: 90, maxBatch: 1000 },
    clock: () => NOW,
  };
  return { ingest: createIngestEvents(deps), published, publishedWith, lookups, failures, dedup, clicks };
}

const event = (eventId: string, change: Partial<IncomingEvent> = {}): IncomingEvent => ({
  eventId,
  campaignId: "cmp-1",
  type: "IMPRESSION",
  platform: "google",
  region: "us",
  occurTime: new Date(NOW.getTime() - 1000),
  valueMicros: 0n,
  costMicros: 2000n,
  currencyCode: "",
  userAgent: "",
  ip: "",
  attributes: {},
  conversionAction: "",
  ...change,
});

const summary = (receipts: { status: string; reason: string }[]) => receipts.map((r) => (r.reason ? `${r.status}:${r.reason}` : r.status));

describe("ingest use case", () => {
  it("answers one receipt per event, in order, and publishes only what it accepted or filtered", async () => {
    const { ingest, published } = setup();
    const out = await ingest({
      tenantId: TENANT,
      events: [event("a"), event("b", { platform: "" }), event("c", { userAgent: "Googlebot/2.1" }), event("d", { campaignId: "nope" })],
    });
    assert.deepEqual(summary(out.receipts), ["ACCEPTED", "REJECTED:MISSING_FIELD", "FILTERED:BOT_USER_AGENT", "REJECTED:CAMPAIGN_NOT_FOUND"]);
    assert.deepEqual(
      out.receipts.map((r) => r.index),
      [0, 1, 2, 3],
    );
    assert.deepEqual(out.counts, { accepted: 1, duplicate: 0, filtered: 1, rejected: 2 });
    assert.deepEqual(
      published.map((r) => [r.eventId, r.filtered, r.filterReason, r.currencyCode, r.region]),
      [
        ["a", false, "", "USD", "US"],
        ["c", true, "BOT_USER_AGENT", "USD", "US"],
      ],
    );
  });

  it("publishes a call's records in one publish, with the call's request id (consumers log it)", async () => {
    const { ingest, publishedWith } = setup();
    await ingest({ tenantId: TENANT, requestId: "req-7", events: [event("a"), event("b")] });
    assert.deepEqual(publishedWith, ["req-7"]);
  });

  it("looks each distinct campaign up once per batch", async () => {
    const { ingest, lookups } = setup();
    await ingest({ tenantId: TENANT, events: [event("a"), event("b"), event("c", { campaignId: "cmp-2" }), event("d")] });
    assert.deepEqual(lookups.sort(), ["cmp-1", "cmp-2"]);
  });

  it("lets the first valid copy of an event_id win within a batch", async () => {
    const { ingest, published } = setup();
    const out = await ingest({ tenantId: TENANT, events: [event("x", { platform: "" }), event("x"), event("x"), event("y")] });
    assert.deepEqual(summary(out.receipts), ["REJECTED:MISSING_FIELD", "ACCEPTED", "DUPLICATE", "ACCEPTED"]);
    assert.match(out.receipts[2]!.message, /events\[1\]/);
    assert.deepEqual(
      published.map((r) => r.eventId),
      ["x", "y"],
    );
  });

  it("answers DUPLICATE for an event_id accepted before, and IN_FLIGHT while another request holds it", async () => {
    const { ingest, dedup } = setup();
    await ingest({ tenantId: TENANT, events: [event("a")] });
    dedup.state.set(`${TENANT}/b`, "pending");
    const out = await ingest({ tenantId: TENANT, events: [event("a"), event("b"), event("c")] });
    assert.deepEqual(summary(out.receipts), ["DUPLICATE", "REJECTED:IN_FLIGHT", "ACCEPTED"]);
    assert.equal(out.receipts[1]!.field, "event_id");
  });

  it("keeps tenants apart: another tenant's campaign is not found, and its event_ids are its own", async () => {
    const active: KnownCampaign = { status: "ACTIVE", currencyCode: "EUR" };
    const { ingest } = setup({ [`${TENANT}/cmp-1`]: active, ["tenant-b/cmp-b"]: active });
    await ingest({ tenantId: TENANT, events: [event("a")] });
    const other = await ingest({ tenantId: "tenant-b", events: [event("a"), event("b", { campaignId: "cmp-b" }), event("a", { campaignId: "cmp-b" })] });
    assert.deepEqual(summary(other.receipts), ["REJECTED:CAMPAIGN_NOT_FOUND", "ACCEPTED", "ACCEPTED"]);
  });

  it("fails the whole call UNAVAILABLE when publishing fails, and frees the claims for the retry", async () => {
    const { ingest, failures, published } = setup();
    failures.publish = true;
    await assert.rejects(ingest({ tenantId: TENANT, events: [event("a"), event("b")] }), (err: AppError) => err.code === "UNAVAILABLE");
    failures.publish = false;
    const retry = await ingest({ tenantId: TENANT, events: [event("a"), event("b")] });
    assert.deepEqual(summary(retry.receipts), ["ACCEPTED", "ACCEPTED"]);
    assert.equal(published.length, 2);
  });

  it("filters the clicks beyond the flood maximum as CLICK_FLOOD and publishes them, marked", async () => {
    const { ingest, published } = setup();
    const click = (id: string, change: Partial<IncomingEvent> = {}) => event(id, { type: "CLICK", ip: "192.0.2.1", ...change });
    const out = await ingest({
      tenantId: TENANT,
      events: [click("a"), event("i", { ip: "192.0.2.1" }), click("b"), click("c"), click("d", { ip: "192.0.2.2" })],
    });
    assert.deepEqual(summary(out.receipts), ["ACCEPTED", "ACCEPTED", "ACCEPTED", "FILTERED:CLICK_FLOOD", "ACCEPTED"]);
    assert.equal(out.receipts[3]!.field, "ip");
    assert.deepEqual(out.counts, { accepted: 4, duplicate: 0, filtered: 1, rejected: 0 });
    assert.deepEqual(
      published.filter((r) => r.filtered).map((r) => [r.eventId, r.filterReason]),
      [["c", "CLICK_FLOOD"]],
    );
  });

  it("counts only clicks that would otherwise be ACCEPTED: duplicates, rejects, bots and denied IPs fill no window", async () => {
    const { ingest, clicks } = setup();
    const click = (id: string, change: Partial<IncomingEvent> = {}) => event(id, { type: "CLICK", ip: "192.0.2.1", ...change });
    await ingest({ tenantId: TENANT, events: [click("a")] });
    const out = await ingest({
      tenantId: TENANT,
      events: [click("a"), click("a"), click("r", { platform: "" }), click("g", { userAgent: "Googlebot/2.1" }), click("n", { ip: "203.0.113.9" }), click("b")],
    });
    assert.deepEqual(summary(out.receipts), ["DUPLICATE", "DUPLICATE", "REJECTED:MISSING_FIELD", "FILTERED:BOT_USER_AGENT", "FILTERED:DENIED_IP", "ACCEPTED"]);
    assert.deepEqual([...clicks.totals.values()], [2]);
  });

  it("lets clicks through when the click counter cannot answer (fail open)", async () => {
    const { ingest, clicks } = setup();
    clicks.down = true;
    const out = await ingest({ tenantId: TENANT, events: ["a", "b", "c", "d"].map((id) => event(id, { type: "CLICK", ip: "192.0.2.1" })) });
    assert.deepEqual(summary(out.receipts), ["ACCEPTED", "ACCEPTED", "ACCEPTED", "ACCEPTED"]);
  });

  it("fails the whole call UNAVAILABLE when the campaign service cannot answer, publishing nothing", async () => {
    const { ingest, failures, published } = setup();
    failures.lookup = true;
    await assert.rejects(ingest({ tenantId: TENANT, events: [event("a")] }), (err: AppError) => err.code === "UNAVAILABLE");
    assert.equal(published.length, 0);
  });

  it("refuses an empty batch and one above the maximum with a violation on events", async () => {
    const { ingest } = setup();
    for (const n of [0, 1001]) {
      await assert.rejects(
        ingest({ tenantId: TENANT, events: Array.from({ length: n }, (_, i) => event(`e${i}`)) }),
        (err: AppError) => err.code === "INVALID_ARGUMENT" && err.options.violations?.[0]?.field === "events",
      );
    }
  });

  it("sums a stream and indexes its problems across chunks", async () => {
    const { ingest } = setup();
    async function* chunks() {
      yield [event("s1"), event("s2", { region: "XX" })];
      yield [];
      yield [event("s1"), event("s3", { userAgent: "bingbot/2.0" })];
    }
    const out = await ingestStream(ingest, { tenantId: TENANT, chunks: chunks() });
    assert.deepEqual(out.counts, { accepted: 1, duplicate: 1, filtered: 1, rejected: 1 });
    assert.deepEqual(
      out.problems.map((r) => [r.index, r.status]),
      [
        [1, "REJECTED"],
        [2, "DUPLICATE"],
        [3, "FILTERED"],
      ],
    );
  });
});
