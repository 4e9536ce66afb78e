/**
 * HTTP validators on insights through the edge: ETag and Cache-Control on every answer,
 * If-None-Match → 304 without a body, and no way for another tenant to learn anything from a tag
 * (services/analytics/src/rpc/insights-etag.ts, envoy/local-reply.lua). The campaign and insights
 * processes are built by their own wire() on port 0 (own databases and Redis prefix), behind a
 * private Envoy.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Metadata } from "@grpc/grpc-js";
import { AnalyticsServiceClient, Granularity } from "#gen/tally/analytics/v1/analytics.js";
import { Campaign, CampaignType } from "#gen/tally/campaign/v1/campaign.js";
import { CampaignServiceClient } from "#gen/tally/campaign/v1/campaign_service.js";
import { IdentityServiceClient } from "#gen/tally/identity/v1/identity.js";
import { wireInsightsApi } from "../../services/analytics/src/wire.js";
import { loadConfig as analyticsConfig } from "../../services/analytics/src/config.js";
import { loadConfig as campaignConfig } from "../../services/campaign/src/config.js";
import { wire as wireCampaign } from "../../services/campaign/src/wire.js";
import { closedPort, startPrivateEnvoy, type PrivateEnvoy } from "../support/envoy.js";
import { call, connect } from "../support/grpc.js";
import { createTestDatabase, stack, testLogger, uniqueName, type TestDatabase } from "../support/stack.js";

const stops: (() => Promise<unknown>)[] = [];
let edge: PrivateEnvoy;
let analyticsPort = 0;
const tenants: { token: string; campaignId: string }[] = [];

before(async () => {
  const prefix = uniqueName("etag");
  const dbs: TestDatabase[] = [await createTestDatabase(), await createTestDatabase()];
  stops.push(() => Promise.all(dbs.map((d) => d.drop())));
  const common = {
    TALLY_MODE: "development",
    TALLY_JWT_SECRET: stack.jwtSecret,
    TALLY_REDIS_URL: stack.redisUrl,
    TALLY_REDIS_KEY_PREFIX: `${prefix}:`,
    TALLY_KAFKA_BROKERS: stack.kafkaBrokers.join(","),
    TALLY_KAFKA_TOPIC_PREFIX: `${prefix}.`,
    TALLY_SHUTDOWN_GRACE_MS: "500",
  };
  const campaign = await wireCampaign(
    campaignConfig({ ...common, TALLY_PG_URL: dbs[0]!.url, TALLY_CAMPAIGN_HOST: "127.0.0.1", TALLY_CAMPAIGN_PORT: "0", TALLY_CAMPAIGN_METRICS_PORT: "0" }),
    { logger: testLogger("campaign") },
  );
  stops.unshift(() => campaign.stop());
  const analytics = await wireInsightsApi(
    analyticsConfig({
      ...common,
      TALLY_PG_URL: dbs[1]!.url,
      TALLY_CAMPAIGN_ADDR: `127.0.0.1:${campaign.port}`,
      TALLY_ANALYTICS_HOST: "127.0.0.1",
      TALLY_ANALYTICS_PORT: "0",
      TALLY_ANALYTICS_METRICS_PORT: "0",
    }),
    testLogger("analytics"),
  );
  stops.unshift(() => analytics.stop());
  analyticsPort = analytics.port;
  edge = await startPrivateEnvoy({ campaign: campaign.port, ingestion: await closedPort(), analytics: analytics.port });
  stops.unshift(() => edge.stop());

  const identity = connect(IdentityServiceClient, campaign.port);
  const campaigns = connect(CampaignServiceClient, campaign.port);
  for (const name of ["A", "B"]) {
    const reg = await call(identity, identity.register, { email: `${uniqueName(name)}@example.com`, password: "tenant password 1", organizationName: name });
    const draft = Campaign.fromPartial({
      name: `Tenant ${name}`,
      type: CampaignType.CAMPAIGN_TYPE_PROMOTION,
      currencyCode: "USD",
      budgetMicros: "1000000",
      timeZone: "UTC",
    });
    const id = (await call(campaigns, campaigns.createCampaign, { campaign: draft, requestId: "" }, reg.accessToken)).campaign!.id;
    tenants.push({ token: reg.accessToken, campaignId: id });
  }
  identity.close();
  campaigns.close();
});

after(async () => {
  for (const stop of stops) await stop();
});

const insightsPath = (campaignId: string) => `/v1/campaigns/${campaignId}/insights?startDate=2026-01-01&endDate=2026-01-30&granularity=GRANULARITY_DAY`;

async function get(path: string, token: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${edge.url}${path}`, { headers: { authorization: `Bearer ${token}`, ...headers } });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

describe("insights ETag through the edge", () => {
  it("answers with a strong ETag and Cache-Control private, no-cache", async () => {
    const [a] = tenants;
    const first = await get(insightsPath(a!.campaignId), a!.token);
    assert.equal(first.status, 200);
    assert.match(first.headers.get("etag") ?? "", /^"[\w-]{32}"$/);
    assert.equal(first.headers.get("cache-control"), "private, no-cache");
    assert.equal(JSON.parse(first.text).campaignId, a!.campaignId);
    // The same answer again: the same tag.
    const again = await get(insightsPath(a!.campaignId), a!.token);
    assert.equal(again.headers.get("etag"), first.headers.get("etag"));
    assert.equal(again.text, first.text);
  });

  it("answers If-None-Match with the current tag with 304, the tag, and no body", async () => {
    const [a] = tenants;
    const etag = (await get(insightsPath(a!.campaignId), a!.token)).headers.get("etag")!;
    for (const ifNoneMatch of [etag, `W/${etag}`, `"other", ${etag}`, "*"]) {
      const res = await get(insightsPath(a!.campaignId), a!.token, { "if-none-match": ifNoneMatch });
      assert.equal(res.status, 304, ifNoneMatch);
      assert.equal(res.text, "");
      assert.equal(res.headers.get("etag"), etag);
      assert.equal(res.headers.get("cache-control"), "private, no-cache");
      assert.equal(res.headers.get("x-tally-not-modified"), null);
    }
    const stale = await get(insightsPath(a!.campaignId), a!.token, { "if-none-match": '"not-the-tag"' });
    assert.equal(stale.status, 200);
    assert.equal(JSON.parse(stale.text).campaignId, a!.campaignId);
  });

  it("gives tenant B with A's URL and A's ETag a 404, never A's answer or a 304", async () => {
    const [a, b] = tenants;
    const etag = (await get(insightsPath(a!.campaignId), a!.token)).headers.get("etag")!;
    for (const ifNoneMatch of [etag, "*", undefined]) {
      const res = await get(insightsPath(a!.campaignId), b!.token, ifNoneMatch ? { "if-none-match": ifNoneMatch } : {});
      assert.equal(res.status, 404, String(ifNoneMatch));
      assert.equal(res.headers.get("etag"), null);
      assert.equal(JSON.parse(res.text).details[0].reason, "CAMPAIGN_NOT_FOUND");
      assert.ok(!res.text.includes('"rows"'), res.text);
    }
    // B's own campaign has its own tag, never A's.
    const own = await get(insightsPath(b!.campaignId), b!.token);
    assert.equal(own.status, 200);
    assert.notEqual(own.headers.get("etag"), etag);
  });

  it("gives gRPC clients the tag as metadata and, for a matching if-none-match, an empty message marked x-tally-not-modified", async () => {
    const [a] = tenants;
    const client = connect(AnalyticsServiceClient, analyticsPort);
    const request = {
      campaignId: a!.campaignId,
      startDate: "2026-01-01",
      endDate: "2026-01-30",
      granularity: Granularity.GRANULARITY_DAY,
      platforms: [],
      regions: [],
      breakdowns: [],
      timeZone: "",
    };
    const ask = (ifNoneMatch?: string) =>
      new Promise<{ headers: Metadata; rows: number }>((resolve, reject) => {
        const md = new Metadata();
        md.set("authorization", `Bearer ${a!.token}`);
        if (ifNoneMatch) md.set("if-none-match", ifNoneMatch);
        let headers = new Metadata();
        const c = client.getCampaignInsights(request, md, (err, res) => (err ? reject(err) : resolve({ headers, rows: res!.rows.length })));
        c.on("metadata", (m) => (headers = m));
      });
    const full = await ask();
    assert.equal(full.rows, 30);
    const etag = String(full.headers.get("etag")[0]);
    assert.equal(etag, (await get(insightsPath(a!.campaignId), a!.token)).headers.get("etag"));
    assert.deepEqual(full.headers.get("x-tally-not-modified"), []);
    const unchanged = await ask(etag);
    assert.equal(unchanged.rows, 0);
    assert.deepEqual(unchanged.headers.get("x-tally-not-modified"), ["1"]);
    client.close();
  });
});
