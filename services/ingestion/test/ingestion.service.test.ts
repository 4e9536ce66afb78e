import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { status, type ServiceError } from "@grpc/grpc-js";
import { CampaignEvent, CampaignEventType, EventType, type AdEventRecord } from "#gen/tally/events/v1/events.js";
import { AdEvent, ReceiptStatus, type Receipt, type StreamEventsResponse } from "#gen/tally/ingestion/v1/ingestion.js";
import type { CampaignInfo } from "#common/clients/campaign-service-client.js";
import { decodeStatusDetails } from "#common/grpc-status.js";
import { authMd, call, callError } from "../../../test/support/grpc.js";
import { uniqueName } from "../../../test/support/stack.js";
import { startIngestionHarness } from "./ingestion-harness.js";

type Harness = Awaited<ReturnType<typeof startIngestionHarness>>;
let h: Harness;
let tokenA: string;

const TENANT_A = uniqueName("tenant-a-");
const TENANT_B = uniqueName("tenant-b-");
const campaign = (id: string, tenantId: string, state: CampaignInfo["status"], currencyCode = "USD"): CampaignInfo => ({
  id,
  tenantId,
  name: id,
  status: state,
  currencyCode,
  timeZone: "UTC",
});

before(async () => {
  h = await startIngestionHarness();
  h.source.put(campaign("cmp-active", TENANT_A, "ACTIVE"));
  h.source.put(campaign("cmp-draft", TENANT_A, "DRAFT"));
  h.source.put(campaign("cmp-two", TENANT_A, "ACTIVE"));
  h.source.put(campaign("cmp-three", TENANT_A, "ACTIVE"));
  h.source.put(campaign("cmp-b", TENANT_B, "ACTIVE", "EUR"));
  tokenA = await h.token(TENANT_A);
});
after(async () => {
  await h.stop();
});

const event = (over: Partial<AdEvent> = {}): AdEvent =>
  AdEvent.fromPartial({
    eventId: uniqueName("evt-"),
    campaignId: "cmp-active",
    type: EventType.EVENT_TYPE_IMPRESSION,
    platform: "meta",
    region: "US",
    occurTime: new Date(Date.now() - 60_000),
    costMicros: "9000",
    userAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/126.0",
    ip: "192.0.2.10",
    ...over,
  });

const ingest = (events: AdEvent[], token = tokenA) => call(h.client, h.client.ingestEvents, { events }, token);
/** Receipts without the human-readable message, which may change. */
const brief = (receipts: Receipt[]) =>
  receipts.map(({ index, eventId, status: s, reason, field }) => ({ index, eventId, status: ReceiptStatus[s], reason, field }));

function stream(chunks: AdEvent[][], token = tokenA): Promise<StreamEventsResponse> {
  return new Promise((resolve, reject) => {
    const call = h.client.streamEvents(authMd(token), (err, res) => (err ? reject(err) : resolve(res)));
    for (const events of chunks) call.write({ events });
    call.end();
  });
}

describe("IngestEvents", () => {
  it("accepts 3 valid events and rejects 1 invalid one naming its field; the same batch again is DUPLICATE", async () => {
    const batch = [event(), event({ type: EventType.EVENT_TYPE_CLICK }), event({ occurTime: undefined }), event({ platform: "GOOGLE" })];
    const ids = batch.map((e) => e.eventId);
    const first = await ingest(batch);
    assert.deepEqual(brief(first.receipts), [
      { index: 0, eventId: ids[0], status: "RECEIPT_STATUS_ACCEPTED", reason: "", field: "" },
      { index: 1, eventId: ids[1], status: "RECEIPT_STATUS_ACCEPTED", reason: "", field: "" },
      { index: 2, eventId: ids[2], status: "RECEIPT_STATUS_REJECTED", reason: "MISSING_FIELD", field: "occur_time" },
      { index: 3, eventId: ids[3], status: "RECEIPT_STATUS_ACCEPTED", reason: "", field: "" },
    ]);
    assert.deepEqual(first.counts, { accepted: "3", duplicate: "0", filtered: "0", rejected: "1" });

    const again = await ingest(batch);
    assert.deepEqual(
      brief(again.receipts).map((r) => [r.status, r.reason]),
      [
        ["RECEIPT_STATUS_DUPLICATE", ""],
        ["RECEIPT_STATUS_DUPLICATE", ""],
        ["RECEIPT_STATUS_REJECTED", "MISSING_FIELD"],
        ["RECEIPT_STATUS_DUPLICATE", ""],
      ],
    );
    assert.deepEqual(again.counts, { accepted: "0", duplicate: "3", filtered: "0", rejected: "1" });
  });

  it("publishes exactly what was sent: the caller's tenant, normalised platform and region, the campaign's currency, no user agent or IP", async () => {
    const occurTime = new Date(Date.now() - 120_000);
    const sent = [
      event({
        platform: "LinkedIn",
        region: "gb",
        type: EventType.EVENT_TYPE_CONVERSION,
        valueMicros: "49990000",
        costMicros: "0",
        currencyCode: "usd",
        occurTime,
        attributes: { creative: "cr-7" },
        conversionAction: "Purchase",
      }),
      event({ platform: "Meta", region: "", userAgent: "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", occurTime }),
      event({ platform: "tiktok", region: "de", ip: "203.0.113.77", occurTime }),
    ];
    const before = Date.now();
    const res = await ingest(sent);
    assert.deepEqual(
      res.receipts.map((r) => [ReceiptStatus[r.status], r.reason]),
      [
        ["RECEIPT_STATUS_ACCEPTED", ""],
        ["RECEIPT_STATUS_FILTERED", "BOT_USER_AGENT"],
        ["RECEIPT_STATUS_FILTERED", "DENIED_IP"],
      ],
    );
    const records = await h.published.waitFor(sent.map((e) => e.eventId));
    for (const r of records) assert.ok(r.receiveTime!.getTime() >= before - 1000 && r.receiveTime!.getTime() <= Date.now());
    const common = { tenantId: TENANT_A, campaignId: "cmp-active", occurTime, currencyCode: "USD" };
    const expected: Omit<AdEventRecord, "receiveTime">[] = [
      {
        ...common,
        eventId: sent[0]!.eventId,
        type: EventType.EVENT_TYPE_CONVERSION,
        platform: "linkedin",
        region: "GB",
        valueMicros: "49990000",
        costMicros: "0",
        filtered: false,
        filterReason: "",
        attributes: { creative: "cr-7" },
        conversionAction: "purchase",
      },
      {
        ...common,
        eventId: sent[1]!.eventId,
        type: EventType.EVENT_TYPE_IMPRESSION,
        platform: "meta",
        region: "ZZ",
        valueMicros: "0",
        costMicros: "9000",
        filtered: true,
        filterReason: "BOT_USER_AGENT",
        attributes: {},
        conversionAction: "",
      },
      {
        ...common,
        eventId: sent[2]!.eventId,
        type: EventType.EVENT_TYPE_IMPRESSION,
        platform: "tiktok",
        region: "DE",
        valueMicros: "0",
        costMicros: "9000",
        filtered: true,
        filterReason: "DENIED_IP",
        attributes: {},
        conversionAction: "",
      },
    ];
    assert.deepEqual(
      records.map(({ receiveTime: _, ...rest }) => rest),
      expected,
    );
    assert.deepEqual(
      sent.map((e) => h.published.keys.get(e.eventId)),
      ["cmp-active", "cmp-active", "cmp-active"],
    );
  });

  it("publishes one batch message per campaign per call, keyed by campaign, carrying exactly its published events in order", async () => {
    const bot = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";
    const sent = [
      event({ campaignId: "cmp-two" }),
      event(),
      event({ campaignId: "cmp-three" }),
      event({ campaignId: "cmp-two", userAgent: bot }), // FILTERED: published all the same
      event({ campaignId: "cmp-draft" }), // REJECTED: not published
      event(),
      event({ campaignId: "cmp-two" }),
    ];
    const res = await ingest(sent);
    assert.deepEqual(res.counts, { accepted: "5", duplicate: "0", filtered: "1", rejected: "1" });
    const ids = sent.map((e) => e.eventId);
    const published = ids.filter((_, i) => i !== 4);
    const messages = await h.published.messagesWith(published);
    assert.deepEqual(
      messages.map((m) => ({ key: m.key, kind: m.kind, eventIds: m.events.map((e) => e.eventId) })).sort((a, b) => a.key.localeCompare(b.key)),
      [
        { key: "cmp-active", kind: "batch", eventIds: [ids[1], ids[5]] },
        { key: "cmp-three", kind: "batch", eventIds: [ids[2]] },
        { key: "cmp-two", kind: "batch", eventIds: [ids[0], ids[3], ids[6]] },
      ],
    );
    assert.equal(h.published.records.has(ids[4]!), false);
  });

  it("splits one campaign's 1000 events into two messages of 500, in order", async () => {
    const sent = Array.from({ length: 1000 }, () => event({ campaignId: "cmp-three" }));
    assert.deepEqual((await ingest(sent)).counts, { accepted: "1000", duplicate: "0", filtered: "0", rejected: "0" });
    const ids = sent.map((e) => e.eventId);
    const messages = await h.published.messagesWith(ids);
    assert.deepEqual(
      messages.map((m) => [m.key, m.kind, m.events.length]),
      [
        ["cmp-three", "batch", 500],
        ["cmp-three", "batch", 500],
      ],
    );
    assert.deepEqual(
      messages.flatMap((m) => m.events.map((e) => e.eventId)),
      ids,
    );
  });

  it("accepts a call of 1.3 MB for one campaign, more than Kafka takes in one request for one partition", async () => {
    // 200 events of ~6.6 KB: 20 attributes of 64 + 256 characters, the most validation allows.
    const attributes = Object.fromEntries(Array.from({ length: 20 }, (_, k) => [`${k}`.padEnd(64, "k"), "v".repeat(256)]));
    const sent = Array.from({ length: 200 }, () => event({ campaignId: "cmp-three", attributes }));
    assert.deepEqual((await ingest(sent)).counts, { accepted: "200", duplicate: "0", filtered: "0", rejected: "0" });
    const messages = await h.published.messagesWith(sent.map((e) => e.eventId));
    assert.ok(messages.length >= 3, `1.3 MB in batches of at most 512 KiB, got ${messages.length} messages`);
    assert.deepEqual(
      messages.flatMap((m) => m.events.map((e) => e.eventId)),
      sent.map((e) => e.eventId),
    );
    assert.deepEqual(messages.at(-1)!.events.at(-1)!.attributes, attributes);
  });

  it("rejects events of a DRAFT campaign as CAMPAIGN_NOT_LAUNCHED", async () => {
    const res = await ingest([event({ campaignId: "cmp-draft" })]);
    assert.deepEqual(
      brief(res.receipts).map((r) => [r.status, r.reason, r.field]),
      [["RECEIPT_STATUS_REJECTED", "CAMPAIGN_NOT_LAUNCHED", "campaign_id"]],
    );
  });

  it("rejects another tenant's campaign, and an unknown one, as CAMPAIGN_NOT_FOUND", async () => {
    const res = await ingest([event({ campaignId: "cmp-b" }), event({ campaignId: "cmp-nowhere" })]);
    assert.deepEqual(
      brief(res.receipts).map((r) => [r.status, r.reason, r.field]),
      [
        ["RECEIPT_STATUS_REJECTED", "CAMPAIGN_NOT_FOUND", "campaign_id"],
        ["RECEIPT_STATUS_REJECTED", "CAMPAIGN_NOT_FOUND", "campaign_id"],
      ],
    );
  });

  it("rejects a currency other than the campaign's as CURRENCY_MISMATCH", async () => {
    const res = await ingest([event({ currencyCode: "EUR" })]);
    assert.deepEqual(
      brief(res.receipts).map((r) => [r.reason, r.field]),
      [["CURRENCY_MISMATCH", "currency_code"]],
    );
  });

  it("answers UNAUTHENTICATED without a credential and PERMISSION_DENIED for a VIEWER", async () => {
    const none = await callError(h.client, h.client.ingestEvents, { events: [event()] });
    assert.equal(none.code, status.UNAUTHENTICATED);
    const viewer = await callError(h.client, h.client.ingestEvents, { events: [event()] }, await h.token(TENANT_A, "VIEWER"));
    assert.equal(viewer.code, status.PERMISSION_DENIED);
  });

  it("refuses 1001 events and 0 events with INVALID_ARGUMENT and a BadRequest violation on events", async () => {
    for (const n of [1001, 0]) {
      const events = Array.from({ length: n }, () => event());
      const err = await ingest(events).then(
        () => assert.fail("expected INVALID_ARGUMENT"),
        (e: ServiceError) => e,
      );
      assert.equal(err.code, status.INVALID_ARGUMENT);
      const details = decodeStatusDetails(err);
      assert.equal(details.reason, "INVALID_ARGUMENT");
      assert.deepEqual(
        details.violations.map((v) => v.field),
        ["events"],
      );
    }
  });

  it("rejects poison events on their field (NUL, invalid UTF-8, int64 edges, unknown type, huge attribute) and accepts the rest of the batch", async () => {
    const batch = [
      event({ eventId: uniqueName("nul-\u0000-") }),
      event({ platform: "me\ud800ta" }), // a lone surrogate travels as U+FFFD, the decoder's mark of invalid UTF-8
      event({ type: EventType.EVENT_TYPE_CONVERSION, valueMicros: "9223372036854775807" }),
      event({ costMicros: "-9223372036854775808" }),
      event({ type: 7 as EventType }),
      event({ attributes: { note: "x".repeat(100_000) } }),
      event({ occurTime: new Date("9999-12-31T23:59:59.999Z") }),
      event(),
    ];
    const res = await ingest(batch);
    const rejected = (i: number, field: string) => ({
      index: i,
      eventId: batch[i]!.eventId,
      status: "RECEIPT_STATUS_REJECTED",
      reason: "INVALID_FIELD",
      field,
    });
    assert.deepEqual(brief(res.receipts), [
      rejected(0, "event_id"),
      rejected(1, "platform"),
      rejected(2, "value_micros"),
      rejected(3, "cost_micros"),
      rejected(4, "type"),
      rejected(5, 'attributes["note"]'),
      rejected(6, "occur_time"),
      { index: 7, eventId: batch[7]!.eventId, status: "RECEIPT_STATUS_ACCEPTED", reason: "", field: "" },
    ]);
    assert.deepEqual(
      res.receipts.slice(0, 6).map((r) => r.message),
      [
        "event_id must not contain NUL (U+0000) characters",
        "platform is not valid UTF-8",
        "value_micros must be between 0 and 1000000000000000",
        "cost_micros must be between 0 and 1000000000000000",
        "type 7 is not a EventType value",
        'attributes["note"] must be at most 256 characters',
      ],
    );
    assert.deepEqual(res.counts, { accepted: "1", duplicate: "0", filtered: "0", rejected: "7" });
    // Only the good event reached Kafka.
    const messages = await h.published.messagesWith([batch[7]!.eventId]);
    assert.deepEqual(
      messages.map((m) => m.events.map((e) => e.eventId)),
      [[batch[7]!.eventId]],
    );
  });

  it("fails the whole call UNAVAILABLE when the campaign service is down, and a retry afterwards is ACCEPTED, not DUPLICATE", async () => {
    h.source.put(campaign("cmp-flaky", TENANT_A, "ACTIVE"));
    const batch = [event({ campaignId: "cmp-flaky" }), event({ campaignId: "cmp-flaky" })];
    h.source.down = true;
    try {
      const err = await callError(h.client, h.client.ingestEvents, { events: batch }, tokenA);
      assert.equal(err.code, status.UNAVAILABLE);
    } finally {
      h.source.down = false;
    }
    const retry = await ingest(batch);
    assert.deepEqual(retry.counts, { accepted: "2", duplicate: "0", filtered: "0", rejected: "0" });
  });

  it("answers IN_FLIGHT while another request holds an event_id, and accepts it once released", async () => {
    const e = event();
    const claim = await h.dedup.claim(TENANT_A, [e.eventId]);
    const busy = await ingest([e]);
    assert.deepEqual(
      brief(busy.receipts).map((r) => [r.status, r.reason, r.field]),
      [["RECEIPT_STATUS_REJECTED", "IN_FLIGHT", "event_id"]],
    );
    await claim.release();
    assert.deepEqual((await ingest([e])).counts, { accepted: "1", duplicate: "0", filtered: "0", rejected: "0" });
  });

  it("keeps the same event_id of two tenants apart", async () => {
    const eventId = uniqueName("shared-");
    await ingest([event({ eventId })]);
    const b = await ingest([event({ eventId, campaignId: "cmp-b" })], await h.token(TENANT_B));
    assert.deepEqual(b.counts, { accepted: "1", duplicate: "0", filtered: "0", rejected: "0" });
  });

  it("sees a launch at once: a campaign event on campaign-events invalidates the cached DRAFT", async () => {
    h.source.put(campaign("cmp-launch", TENANT_A, "DRAFT"));
    const e = event({ campaignId: "cmp-launch" });
    assert.equal((await ingest([e])).receipts[0]!.reason, "CAMPAIGN_NOT_LAUNCHED"); // now cached as DRAFT for 60 s
    h.source.put(campaign("cmp-launch", TENANT_A, "ACTIVE"));
    await h.invalidator.joined;
    // Until caught up the cache is bypassed (a restart must not trust it), and the source alone would
    // answer ACTIVE: wait, so that only the invalidation below can end the cached DRAFT.
    for (const until = Date.now() + 20_000; !h.invalidator.isCaughtUp() && Date.now() < until;) await new Promise((r) => setTimeout(r, 50));
    const launched = Buffer.from(
      CampaignEvent.encode({
        eventId: uniqueName("ce-"),
        type: CampaignEventType.CAMPAIGN_EVENT_TYPE_LAUNCHED,
        tenantId: TENANT_A,
        campaign: undefined,
        occurTime: new Date(),
      }).finish(),
    );
    // Re-sent until seen: a group that just joined starts at the latest offset and may skip the first one.
    const deadline = Date.now() + 20_000;
    let reason = "CAMPAIGN_NOT_LAUNCHED";
    while (reason === "CAMPAIGN_NOT_LAUNCHED" && Date.now() < deadline) {
      await h.sendCampaignEvent("cmp-launch", launched);
      await new Promise((r) => setTimeout(r, 500));
      reason = (await ingest([e])).receipts[0]!.reason;
    }
    assert.equal(reason, "");
  });

  it("counts receipts by status in the metrics", async () => {
    const text = await h.metrics.registry.getSingleMetricAsString("tally_ingest_receipts_total");
    assert.match(text, /tally_ingest_receipts_total\{status="ACCEPTED",reason="",service="ingestion-test"\} \d+/);
    assert.match(text, /status="REJECTED",reason="CAMPAIGN_NOT_LAUNCHED"/);
  });
});

describe("StreamEvents", () => {
  it("ingests 3 chunks with one summary: exact counts and problems indexed across the stream", async () => {
    const chunk1 = [event(), event(), event()];
    const chunk2 = [event(), event({ region: "XX" }), event({ userAgent: "Mozilla/5.0 HeadlessChrome/126.0" })];
    const chunk3 = [event({ eventId: chunk1[0]!.eventId }), event()];
    const res = await stream([chunk1, chunk2, chunk3]);
    assert.deepEqual(res.counts, { accepted: "5", duplicate: "1", filtered: "1", rejected: "1" });
    assert.deepEqual(brief(res.problems), [
      { index: 4, eventId: chunk2[1]!.eventId, status: "RECEIPT_STATUS_REJECTED", reason: "INVALID_FIELD", field: "region" },
      { index: 5, eventId: chunk2[2]!.eventId, status: "RECEIPT_STATUS_FILTERED", reason: "BOT_USER_AGENT", field: "user_agent" },
      { index: 6, eventId: chunk1[0]!.eventId, status: "RECEIPT_STATUS_DUPLICATE", reason: "", field: "" },
    ]);
    // One message per chunk (all of cmp-active), each with exactly the chunk's published events.
    const perChunk = [chunk1, [chunk2[0]!, chunk2[2]!], [chunk3[1]!]].map((events) => events.map((e) => e.eventId));
    for (const ids of perChunk) {
      const messages = await h.published.messagesWith(ids);
      assert.deepEqual(
        messages.map((m) => ({ key: m.key, kind: m.kind, eventIds: m.events.map((e) => e.eventId) })),
        [{ key: "cmp-active", kind: "batch", eventIds: ids }],
      );
    }
  });

  it("rejects a NUL event_id inside a stream on its own receipt; the stream goes on", async () => {
    const bad = event({ eventId: uniqueName("s-nul-\u0000-") });
    const res = await stream([[event(), bad], [event()]]);
    assert.deepEqual(res.counts, { accepted: "2", duplicate: "0", filtered: "0", rejected: "1" });
    assert.deepEqual(brief(res.problems), [{ index: 1, eventId: bad.eventId, status: "RECEIPT_STATUS_REJECTED", reason: "INVALID_FIELD", field: "event_id" }]);
  });

  it("refuses a stream without a credential", async () => {
    await assert.rejects(stream([[event()]], ""), (err: ServiceError) => err.code === status.UNAUTHENTICATED);
  });
});

describe("platform data (details in platform-data.test.ts)", () => {
  it("refuses an empty report and a fetch for a campaign linked to no ad platform", async () => {
    const report = await callError(h.client, h.client.ingestPlatformReport, { rows: [] }, tokenA);
    const fetch = await callError(h.client, h.client.fetchPlatformData, { campaignId: "cmp-active", platforms: [], startDate: "", endDate: "" }, tokenA);
    assert.deepEqual([report.code, fetch.code], [status.INVALID_ARGUMENT, status.FAILED_PRECONDITION]);
    assert.equal(fetch.reason, "CAMPAIGN_NOT_LINKED");
  });
});
