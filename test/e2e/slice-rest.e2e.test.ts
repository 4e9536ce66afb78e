/**
 * The vertical slice through Envoy REST: register → create → launch → ingest → insights,
 * against the running stack (npm test starts it).
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { uniqueName } from "../support/stack.js";
import { eventually, rest } from "./rest.js";

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

function sliceEvents(campaignId: string, prefix: string) {
  const ev = (n: number, type: string, extra: object = {}) => ({
    eventId: `${prefix}-${n}`,
    campaignId,
    type,
    platform: "Meta",
    region: "us",
    occurTime: minutesAgo(5),
    ...extra,
  });
  return [
    ev(1, "EVENT_TYPE_IMPRESSION"),
    ev(2, "EVENT_TYPE_IMPRESSION"),
    ev(3, "EVENT_TYPE_IMPRESSION"),
    ev(4, "EVENT_TYPE_CLICK"),
    ev(5, "EVENT_TYPE_CLICK"),
    ev(6, "EVENT_TYPE_CONVERSION", { valueMicros: "12500000" }),
  ];
}

describe("REST through Envoy", () => {
  let token = "";
  let campaignId = "";

  before(async () => {
    const reg = await rest("POST", "/v1/auth:register", {
      body: { email: `${uniqueName("e2e")}@example.com`, password: "e2e password 123", organizationName: "E2E Org" },
    });
    assert.equal(reg.status, 200, JSON.stringify(reg.body));
    token = reg.body.accessToken;
    const created = await rest("POST", "/v1/campaigns", {
      token,
      body: {
        name: uniqueName("E2E "),
        type: "CAMPAIGN_TYPE_PROMOTION",
        currencyCode: "USD",
        budgetMicros: "1000000000",
        timeZone: "UTC",
        platforms: ["meta"],
      },
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    campaignId = created.body.campaign.id;
    assert.equal(created.body.campaign.status, "CAMPAIGN_STATUS_DRAFT");
    const launched = await rest("POST", `/v1/campaigns/${campaignId}:launch`, { token, body: {} });
    assert.equal(launched.status, 200, JSON.stringify(launched.body));
    assert.equal(launched.body.campaign.status, "CAMPAIGN_STATUS_ACTIVE");
    const got = await rest("GET", `/v1/campaigns/${campaignId}`, { token });
    assert.equal(got.body.campaign.status, "CAMPAIGN_STATUS_ACTIVE");
  });

  it("counts 3 impressions, 2 clicks and 1 conversion of 12.5 exactly, and a resent batch changes nothing", async () => {
    const batch = sliceEvents(campaignId, uniqueName("rest"));
    const first = await rest("POST", "/v1/events:ingest", { token, body: { events: batch } });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.deepEqual(
      first.body.receipts.map((r: any) => r.status),
      Array(6).fill("RECEIPT_STATUS_ACCEPTED"),
    );
    assert.equal(first.body.counts.accepted, "6");

    const totals = await eventually("the 6 events in insights", async () => {
      const res = await rest("GET", `/v1/campaigns/${campaignId}/insights?granularity=granularity_total`, { token });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body.totals.impressions === "3" && res.body.totals.conversions === "1" ? res.body.totals : undefined;
    });
    assert.equal(totals.impressions, "3");
    assert.equal(totals.clicks, "2");
    assert.equal(totals.conversions, "1");
    assert.equal(totals.revenueMicros, "12500000");
    assert.ok(Math.abs(totals.ctr - 0.6667) < 1e-4, `ctr ${totals.ctr}`);
    assert.equal(totals.conversionRate, 0.5);
    assert.equal(totals.costMicros, "0");
    assert.equal(totals.cpcMicros, "0", "CPC's denominator is clicks (2): zero cost is a CPC of 0");
    assert.equal(totals.roas, undefined, "ROAS's denominator is cost (0): absent, never 0 or Infinity");
    assert.equal(totals.cpaMicros, "0");

    const again = await rest("POST", "/v1/events:ingest", { token, body: { events: batch } });
    assert.deepEqual(
      again.body.receipts.map((r: any) => r.status),
      Array(6).fill("RECEIPT_STATUS_DUPLICATE"),
    );
    // Give the aggregator more than a flush interval: had anything been counted twice, it would show.
    await new Promise((r) => setTimeout(r, 1500));
    const after = await rest("GET", `/v1/campaigns/${campaignId}/insights?granularity=granularity_total`, { token });
    assert.deepEqual(
      [after.body.totals.impressions, after.body.totals.clicks, after.body.totals.conversions, after.body.totals.revenueMicros],
      ["3", "2", "1", "12500000"],
    );
  });

  it("answers DAY granularity zero-filled, in the campaign's currency and time zone", async () => {
    // The events happened 5 minutes ago: their UTC day is "today" except just after midnight.
    const eventDay = minutesAgo(5).slice(0, 10);
    const start = new Date(Date.parse(eventDay) - 2 * 86_400_000).toISOString().slice(0, 10);
    const res = await rest("GET", `/v1/campaigns/${campaignId}/insights?startDate=${start}&endDate=${eventDay}&granularity=GRANULARITY_DAY`, { token });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.currencyCode, "USD");
    assert.equal(res.body.timeZone, "UTC");
    assert.equal(res.body.rows.length, 3);
    assert.deepEqual(
      res.body.rows.map((r: any) => r.metrics.impressions),
      ["0", "0", "3"],
    );
    assert.equal(res.body.rows[2].bucket, eventDay);
  });

  it("rejects an invalid event by field while accepting the rest of its batch", async () => {
    const prefix = uniqueName("mixed");
    const events = sliceEvents(campaignId, prefix).slice(0, 3);
    events[1] = { ...events[1]!, occurTime: new Date(Date.now() + 3_600_000).toISOString() };
    const res = await rest("POST", "/v1/events:ingest", { token, body: { events } });
    assert.equal(res.status, 200);
    assert.deepEqual(
      res.body.receipts.map((r: any) => r.status),
      ["RECEIPT_STATUS_ACCEPTED", "RECEIPT_STATUS_REJECTED", "RECEIPT_STATUS_ACCEPTED"],
    );
    assert.equal(res.body.receipts[1].field, "occur_time");
    assert.equal(res.body.receipts[1].index, 1);
  });

  it("turns gRPC errors into JSON bodies with the right HTTP status", async () => {
    const noAuth = await rest("GET", `/v1/campaigns/${campaignId}`);
    assert.equal(noAuth.status, 401);
    assert.equal(noAuth.body.code, 16);
    const missing = await rest("GET", "/v1/campaigns/00000000-0000-4000-8000-000000000000", { token });
    assert.equal(missing.status, 404);
    assert.equal(missing.body.details[0].reason, "CAMPAIGN_NOT_FOUND");
    assert.equal(missing.body.details[0].domain, "tally.dev");
    const relaunch = await rest("POST", `/v1/campaigns/${campaignId}:launch`, { token, body: {} });
    assert.equal(relaunch.status, 400);
    assert.equal(relaunch.body.details[0].reason, "INVALID_TRANSITION");
    const bad = await rest("POST", "/v1/campaigns", { token, body: { name: "x" } });
    assert.equal(bad.status, 400);
    const violations = bad.body.details.find((d: any) => d["@type"] === "type.googleapis.com/google.rpc.BadRequest").fieldViolations;
    assert.ok(violations.some((v: any) => v.field === "campaign.name"));
    const range = await rest("GET", `/v1/campaigns/${campaignId}/insights?startDate=2025-04-21&endDate=2025-04-20`, { token });
    assert.equal(range.status, 400);
    const other = await rest("POST", "/v1/auth:register", {
      body: { email: `${uniqueName("other")}@example.com`, password: "other password 1", organizationName: "Other" },
    });
    const hidden = await rest("GET", `/v1/campaigns/${campaignId}/insights`, { token: other.body.accessToken });
    assert.equal(hidden.status, 404, "one tenant never sees another's campaign");
  });

  it("lists campaign performance, one row per campaign, agreeing with insights", async () => {
    // The previous test's events may still be landing: wait for them in both views.
    const [perf, insights] = await eventually("performance and insights to agree", async () => {
      const both = await Promise.all([
        rest("GET", "/v1/campaignPerformance?orderBy=impressions%20desc", { token }),
        rest("GET", `/v1/campaigns/${campaignId}/insights?granularity=GRANULARITY_TOTAL`, { token }),
      ]);
      const [perfImpressions, insightsImpressions] = [both[0].body.rows?.[0]?.metrics.impressions, both[1].body.totals.impressions];
      return perfImpressions === "5" && insightsImpressions === "5" ? both : undefined;
    });
    assert.equal(perf.status, 200, JSON.stringify(perf.body));
    assert.equal(perf.body.rows.length, 1);
    const row = perf.body.rows[0];
    assert.equal(row.campaignId, campaignId);
    assert.equal(row.currencyCode, "USD");
    assert.equal(row.metrics.impressions, "5", "3 from the first batch, 2 accepted from the mixed one");
    assert.deepEqual(row.metrics, insights.body.totals);
  });

  it("streams live totals as NDJSON and sends a new line when data arrives", async () => {
    // A campaign of its own: nothing else is still on its way into its totals.
    const created = await rest("POST", "/v1/campaigns", {
      token,
      body: { name: uniqueName("Live "), type: "CAMPAIGN_TYPE_PROMOTION", currencyCode: "USD", budgetMicros: "1000000", timeZone: "UTC" },
    });
    const liveId = created.body.campaign.id;
    await rest("POST", `/v1/campaigns/${liveId}:launch`, { token, body: {} });
    const controller = new AbortController();
    try {
      const res = await fetch(`${process.env.TALLY_ENVOY_URL ?? "http://127.0.0.1:8080"}/v1/campaigns/${liveId}/metrics:stream`, {
        headers: { authorization: `Bearer ${token}` },
        signal: controller.signal,
      });
      assert.equal(res.status, 200);
      const lines = ndjsonLines(res.body!);
      const first = JSON.parse((await lines.next()).value as string);
      assert.equal(first.campaignId, liveId);
      assert.equal(first.totals.impressions, "0");
      const event = { eventId: uniqueName("live"), campaignId: liveId, type: "EVENT_TYPE_IMPRESSION", platform: "meta", occurTime: new Date().toISOString() };
      assert.equal((await rest("POST", "/v1/events:ingest", { token, body: { events: [event] } })).body.counts.accepted, "1");
      let update = first;
      while (update.totals.impressions === "0") update = JSON.parse((await lines.next()).value as string);
      assert.equal(update.totals.impressions, "1");
    } finally {
      controller.abort();
    }
  });

  it("serves /healthz and CORS preflight at the edge", async () => {
    assert.equal((await rest("GET", "/healthz")).status, 200);
    const res = await fetch(`${process.env.TALLY_ENVOY_URL ?? "http://127.0.0.1:8080"}/v1/campaigns`, {
      method: "OPTIONS",
      headers: { origin: "https://app.example.com", "access-control-request-method": "POST", "access-control-request-headers": "authorization,content-type" },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("access-control-allow-origin"), "https://app.example.com");
    assert.match(res.headers.get("access-control-allow-headers") ?? "", /authorization/);
  });
});

/** Splits a streamed response body into its newline-delimited JSON messages. */
async function* ndjsonLines(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffered = "";
  for await (const chunk of body) {
    buffered += decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, newline).trim();
      buffered = buffered.slice(newline + 1);
      if (line) yield line;
    }
  }
}
