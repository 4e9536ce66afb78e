/**
 * API keys and rate limits across the three services and the edge: each process built by its own
 * wire() on port 0 (own database, topics and Redis prefix), behind a private Envoy. Limits are
 * small here so that bursts are short: reads 20 per credential (1/s), ingest 1000 events (1/s).
 */
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { after, before, describe, it } from "node:test";
import { Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { Campaign, CampaignType } from "#gen/tally/campaign/v1/campaign.js";
import { CampaignServiceClient } from "#gen/tally/campaign/v1/campaign_service.js";
import { ApiKeyScope, IdentityServiceClient } from "#gen/tally/identity/v1/identity.js";
import { EventType } from "#gen/tally/events/v1/events.js";
import { AdEvent, IngestionServiceClient, ReceiptStatus } from "#gen/tally/ingestion/v1/ingestion.js";
import { createLogger } from "#common/logger.js";
import { decodeStatusDetails } from "#common/grpc-status.js";
import { wireInsightsApi } from "../../services/analytics/src/wire.js";
import { loadConfig as analyticsConfig } from "../../services/analytics/src/config.js";
import { loadConfig as campaignConfig } from "../../services/campaign/src/config.js";
import { wire as wireCampaign } from "../../services/campaign/src/wire.js";
import { loadConfig as ingestionConfig } from "../../services/ingestion/src/config.js";
import { wire as wireIngestion } from "../../services/ingestion/src/wire.js";
import { startPrivateEnvoy, type PrivateEnvoy } from "../support/envoy.js";
import { call, connect } from "../support/grpc.js";
import { createTestDatabase, stack, uniqueName, type TestDatabase } from "../support/stack.js";

const { INGEST, READ } = { INGEST: ApiKeyScope.API_KEY_SCOPE_INGEST, READ: ApiKeyScope.API_KEY_SCOPE_READ };

// Every line every service logs (debug level), to check that no secret reaches a log.
const logLines: string[] = [];
const capture = new Writable({
  write(chunk, _enc, done) {
    logLines.push(String(chunk));
    done();
  },
});

const stops: (() => Promise<unknown>)[] = [];
let edge: PrivateEnvoy;
let identity: IdentityServiceClient;
let campaigns: CampaignServiceClient;
let ingestion: IngestionServiceClient;
let owner = { token: "", tenantId: "" };
let campaignId = "";

before(async () => {
  const prefix = uniqueName("keys");
  const dbs: TestDatabase[] = [await createTestDatabase(), await createTestDatabase()];
  stops.push(() => Promise.all(dbs.map((d) => d.drop())));
  const common = {
    TALLY_MODE: "development",
    TALLY_JWT_SECRET: stack.jwtSecret,
    TALLY_LOG_LEVEL: "debug",
    TALLY_REDIS_URL: stack.redisUrl,
    TALLY_REDIS_KEY_PREFIX: `${prefix}:`,
    TALLY_KAFKA_BROKERS: stack.kafkaBrokers.join(","),
    TALLY_KAFKA_TOPIC_PREFIX: `${prefix}.`,
    TALLY_SHUTDOWN_GRACE_MS: "500",
    TALLY_RATE_LIMIT_READ_PER_SECOND: "1",
    TALLY_RATE_LIMIT_READ_BURST: "20",
    TALLY_RATE_LIMIT_INGEST_PER_SECOND: "1",
    TALLY_RATE_LIMIT_INGEST_BURST: "1000",
  };
  const campaign = await wireCampaign(
    campaignConfig({ ...common, TALLY_PG_URL: dbs[0]!.url, TALLY_CAMPAIGN_HOST: "127.0.0.1", TALLY_CAMPAIGN_PORT: "0", TALLY_CAMPAIGN_METRICS_PORT: "0" }),
    { logger: createLogger("campaign", "debug", capture) },
  );
  stops.unshift(() => campaign.stop());
  const campaignAddr = `127.0.0.1:${campaign.port}`;
  const ingest = await wireIngestion(
    ingestionConfig({
      ...common,
      TALLY_CAMPAIGN_ADDR: campaignAddr,
      TALLY_INGESTION_HOST: "127.0.0.1",
      TALLY_INGESTION_PORT: "0",
      TALLY_INGESTION_METRICS_PORT: "0",
    }),
    { logger: createLogger("ingestion", "debug", capture) },
  );
  stops.unshift(async () => {
    await ingest.stop();
    const admin = ingest.kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: Object.values(ingest.topics) }).catch(() => undefined);
    await admin.disconnect();
  });
  const analytics = await wireInsightsApi(
    analyticsConfig({
      ...common,
      TALLY_PG_URL: dbs[1]!.url,
      TALLY_CAMPAIGN_ADDR: campaignAddr,
      TALLY_ANALYTICS_HOST: "127.0.0.1",
      TALLY_ANALYTICS_PORT: "0",
      TALLY_ANALYTICS_METRICS_PORT: "0",
    }),
    createLogger("analytics", "debug", capture),
  );
  stops.unshift(() => analytics.stop());
  edge = await startPrivateEnvoy({ campaign: campaign.port, ingestion: ingest.port, analytics: analytics.port });
  stops.unshift(() => edge.stop());

  identity = connect(IdentityServiceClient, campaign.port);
  campaigns = connect(CampaignServiceClient, campaign.port);
  ingestion = connect(IngestionServiceClient, ingest.port);
  const reg = await call(identity, identity.register, { email: `${uniqueName("o")}@example.com`, password: "owner password 1", organizationName: "Keys" });
  owner = { token: reg.accessToken, tenantId: reg.organization!.id };
  const draft = Campaign.fromPartial({
    name: uniqueName("Keys "),
    type: CampaignType.CAMPAIGN_TYPE_PROMOTION,
    currencyCode: "USD",
    budgetMicros: "1000000",
    timeZone: "UTC",
  });
  campaignId = (await call(campaigns, campaigns.createCampaign, { campaign: draft, requestId: "" }, owner.token)).campaign!.id;
  await call(campaigns, campaigns.launchCampaign, { id: campaignId, etag: "" }, owner.token);
});

after(async () => {
  for (const c of [identity, campaigns, ingestion]) c?.close();
  for (const stop of stops) await stop();
});

async function rest(method: string, path: string, credential: string, body?: unknown) {
  const res = await fetch(`${edge.url}${path}`, {
    method,
    headers: { "content-type": "application/json", authorization: `Bearer ${credential}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, body: text ? JSON.parse(text) : {} };
}

const newKey = async (scopes: ApiKeyScope[]) => call(identity, identity.createApiKey, { displayName: uniqueName("key "), scopes }, owner.token);
const event = (n: string, campaign = campaignId) => ({
  eventId: uniqueName(`ev-${n}-`),
  campaignId: campaign,
  type: "EVENT_TYPE_IMPRESSION",
  platform: "meta",
  region: "US",
  occurTime: new Date(Date.now() - 60_000).toISOString(),
});
const grpcEvent = (n: string, campaign = campaignId): AdEvent =>
  AdEvent.fromPartial({ ...event(n, campaign), type: EventType.EVENT_TYPE_IMPRESSION, occurTime: new Date(Date.now() - 60_000) });

function grpcIngest(events: AdEvent[], credential: string) {
  const md = new Metadata();
  md.set("authorization", `Bearer ${credential}`);
  return new Promise<{ res?: Awaited<ReturnType<typeof call>>; err?: ServiceError; trailers?: Metadata }>((resolve) => {
    const c = ingestion.ingestEvents({ events }, md, (err, res) => resolve(err ? { err } : { res }));
    void c;
  });
}

const insightsPath = () => `/v1/campaigns/${campaignId}/insights?granularity=GRANULARITY_TOTAL`;
const listCampaignsPath = "/v1/campaigns?pageSize=1";

describe("API keys through the edge and every service", () => {
  it("an ingest key created by an OWNER ingests via REST and gRPC; a read key reads and gets 403 on ingest", async () => {
    const ingestKey = (await newKey([INGEST])).secret;
    const viaRest = await rest("POST", "/v1/events:ingest", ingestKey, { events: [event("rest")] });
    assert.equal(viaRest.status, 200, viaRest.text);
    assert.deepEqual(
      viaRest.body.receipts.map((r: { status: string }) => r.status),
      ["RECEIPT_STATUS_ACCEPTED"],
    );
    const viaGrpc = await grpcIngest([grpcEvent("grpc")], ingestKey);
    assert.deepEqual(
      (viaGrpc.res as { receipts: { status: number }[] }).receipts.map((r) => r.status),
      [ReceiptStatus.RECEIPT_STATUS_ACCEPTED],
    );

    const readKey = (await newKey([READ])).secret;
    const denied = await rest("POST", "/v1/events:ingest", readKey, { events: [event("denied")] });
    assert.equal(denied.status, 403, denied.text);
    // Issue 7: wire spelling of the scope (was "the ingest scope"), reason SCOPE_NOT_ALLOWED.
    assert.equal(denied.body.message, "API key lacks the API_KEY_SCOPE_INGEST scope");
    assert.equal(denied.body.details[0].reason, "SCOPE_NOT_ALLOWED");
    assert.equal((await rest("GET", insightsPath(), readKey)).status, 200);
    assert.equal((await rest("GET", `/v1/campaigns/${campaignId}`, readKey)).status, 200);
    assert.equal((await rest("GET", insightsPath(), ingestKey)).status, 403);
  });

  it("lists keys with their prefix and last use, never their secret", async () => {
    const { apiKey, secret } = await newKey([READ]);
    await rest("GET", listCampaignsPath, secret);
    const listed = await rest("GET", "/v1/apiKeys", owner.token);
    assert.equal(listed.status, 200, listed.text);
    const mine = listed.body.apiKeys.find((k: { id: string }) => k.id === apiKey!.id);
    assert.deepEqual([mine.secretPrefix, mine.scopes], [secret.slice(0, 12), ["API_KEY_SCOPE_READ"]]);
    assert.ok(Date.parse(mine.lastUseTime) > Date.now() - 10_000, mine.lastUseTime);
    assert.ok(!listed.text.includes(secret.slice(12)));
  });

  it("after DeleteApiKey the key gets 401 from every service within a second, under steady use", async () => {
    const both = (await newKey([READ, INGEST])).secret;
    const probes = {
      campaign: () => rest("GET", `/v1/campaigns/${campaignId}`, both),
      ingestion: () => rest("POST", "/v1/events:ingest", both, { events: [event("probe")] }),
      analytics: () => rest("GET", insightsPath(), both),
    };
    for (const [name, probe] of Object.entries(probes)) assert.equal((await probe()).status, 200, `${name} accepts the key before the delete`);

    const keyId = (await call(identity, identity.listApiKeys, { pageSize: 1, pageToken: "" }, owner.token)).apiKeys[0]!.id;
    await call(identity, identity.deleteApiKey, { id: keyId }, owner.token);
    const deletedAt = Date.now();
    const refusedAfter: Record<string, number> = {};
    await Promise.all(
      Object.entries(probes).map(async ([name, probe]) => {
        while (Date.now() - deletedAt < 3000) {
          const res = await probe();
          if (res.status === 401) {
            refusedAfter[name] = Date.now() - deletedAt;
            assert.equal(res.body.message, "invalid API key");
            return;
          }
          await new Promise((r) => setTimeout(r, 25));
        }
      }),
    );
    assert.deepEqual(Object.keys(refusedAfter).sort(), ["analytics", "campaign", "ingestion"], JSON.stringify(refusedAfter));
    for (const [name, ms] of Object.entries(refusedAfter)) assert.ok(ms <= 1000, `${name} refused the deleted key after ${ms} ms`);
  });
});

describe("rate limits per credential", () => {
  it("a REST burst over the read budget gets 429 with Retry-After and RateLimit headers; another credential of the tenant is unaffected", async () => {
    const key = (await newKey([READ])).secret;
    const answers = [];
    for (let i = 0; i < 21; i++) answers.push(await rest("GET", listCampaignsPath, key));
    assert.deepEqual(
      answers.slice(0, 20).map((a) => a.status),
      Array(20).fill(200),
    );
    assert.equal(answers[0]!.headers.get("ratelimit-limit"), "20");
    assert.equal(answers[0]!.headers.get("ratelimit-remaining"), "19");
    const limited = answers[20]!;
    assert.equal(limited.status, 429, limited.text);
    assert.deepEqual(
      {
        retryAfter: limited.headers.get("retry-after"),
        limit: limited.headers.get("ratelimit-limit"),
        remaining: limited.headers.get("ratelimit-remaining"),
        reset: limited.headers.get("ratelimit-reset"),
      },
      { retryAfter: "1", limit: "20", remaining: "0", reset: "20" },
    );
    assert.equal(limited.body.code, 8);
    const details = limited.body.details as { "@type": string; reason?: string; retryDelay?: string }[];
    assert.equal(details.find((d) => d["@type"].endsWith("ErrorInfo"))?.reason, "RATE_LIMITED");
    assert.match(details.find((d) => d["@type"].endsWith("RetryInfo"))?.retryDelay ?? "", /^(0\.\d+|1)s$/);

    assert.equal((await rest("GET", listCampaignsPath, owner.token)).status, 200, "the owner's own budget is untouched");
    assert.equal((await rest("GET", listCampaignsPath, (await newKey([READ])).secret)).status, 200, "another key's budget is untouched");
  });

  it("a gRPC burst over the ingest budget (counted in events) gets RESOURCE_EXHAUSTED with RetryInfo; another key is unaffected", async () => {
    const key = (await newKey([INGEST])).secret;
    const unknownCampaign = "00000000-0000-4000-8000-000000000000";
    const full = await grpcIngest(
      Array.from({ length: 1000 }, (_, i) => grpcEvent(`b${i}`, unknownCampaign)),
      key,
    );
    assert.equal(full.err, undefined, full.err?.message);
    const over = await grpcIngest([grpcEvent("over")], key);
    assert.equal(over.err?.code, status.RESOURCE_EXHAUSTED);
    const details = decodeStatusDetails(over.err!);
    assert.equal(details.reason, "RATE_LIMITED");
    // About a second for one event's worth of tokens at 1000/s, less whatever refilled between the calls.
    assert.ok(details.retryDelayMs! >= 1 && details.retryDelayMs! <= 1000, `RetryInfo ${details.retryDelayMs} ms`);
    assert.deepEqual(
      [over.err!.metadata.get("retry-after"), over.err!.metadata.get("ratelimit-limit"), over.err!.metadata.get("ratelimit-remaining")],
      [["1"], ["1000"], ["0"]],
    );

    const other = await grpcIngest([grpcEvent("other")], (await newKey([INGEST])).secret);
    assert.equal(other.err, undefined, "another key of the same tenant ingests");
  });
});

describe("logs", () => {
  it("no service logged a secret", async () => {
    const { secret, apiKey } = await newKey([READ]);
    await rest("GET", insightsPath(), secret);
    await rest("POST", "/v1/events:ingest", secret, { events: [event("log")] });
    await call(identity, identity.deleteApiKey, { id: apiKey!.id }, owner.token);
    await rest("GET", insightsPath(), secret);
    assert.ok(logLines.length > 20, `services logged ${logLines.length} lines`);
    assert.deepEqual(
      logLines.filter((l) => l.includes(secret.slice(4))),
      [],
    );
  });
});
