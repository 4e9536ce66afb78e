/**
 * Ad-platform data end to end, through Envoy's REST edge: the four fake ad platforms (each answering
 * in its own documented format) → the real connectors → IngestPlatformReport → Kafka → the
 * aggregator → insights. The test builds its own processes with their wire() on port 0 (own
 * databases, topics, Redis prefix) behind a private Envoy, so ingestion's connector URLs point at
 * the fakes whatever the shared stack was started with; only Postgres, Redis and Kafka are shared.
 *
 * The fakes are deterministic (numbers derived from account, campaign and date), so every number
 * asserted is computed from the fake account that served it.
 */
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { after, before, describe, it } from "node:test";
import { createLogger } from "#common/logger.js";
import { wireAggregator } from "../../services/analytics/src/aggregator/wire.js";
import { loadConfig as analyticsConfig } from "../../services/analytics/src/config.js";
import { wireInsightsApi } from "../../services/analytics/src/wire.js";
import { loadConfig as campaignConfig } from "../../services/campaign/src/config.js";
import { wire as wireCampaign } from "../../services/campaign/src/wire.js";
import { startDemoPlatforms, type DemoPlatforms } from "../../services/ingestion/src/connectors/demo-platforms.js";
import type { PlatformSlug } from "../../services/ingestion/src/connectors/platform-connector.js";
import { DEFAULT_META_CONFIG } from "../../services/ingestion/src/connectors/meta/meta-connector.js";
import type { FakeAccount } from "../../services/ingestion/src/connectors/shared/fake-platform.js";
import { loadConfig as ingestionConfig } from "../../services/ingestion/src/config.js";
import { addDays, dateIn, lookbackWindow } from "../../services/ingestion/src/domain/platform-sync.js";
import { wire as wireIngestion } from "../../services/ingestion/src/wire.js";
import { startPrivateEnvoy, type PrivateEnvoy } from "../support/envoy.js";
import { createTestDatabase, stack, uniqueName, type TestDatabase } from "../support/stack.js";

const PLATFORMS: PlatformSlug[] = ["meta", "google", "linkedin", "tiktok"];
/** The ad accounts' zone (Meta, Google Ads and TikTok date rows in it; LinkedIn dates its days in UTC). */
const ZONE = "America/New_York";
/**
 * The campaign reports in UTC: insights place a platform day at its first instant in the row's zone,
 * and both a New York day (05:00 UTC) and a UTC day start on the same UTC date, so every platform's
 * day D is the campaign's day D.
 */
const CAMPAIGN_ZONE = "UTC";
const TODAY = dateIn(ZONE, new Date());
/** The day the fakes restate; inside the 28-day lookback. */
const D = addDays(TODAY, -3);

// Every line every process logs, at debug level: no credential may be in any of them.
const logLines: string[] = [];
const capture = new Writable({
  write(chunk, _enc, done) {
    logLines.push(String(chunk));
    done();
  },
});

const stops: (() => Promise<unknown>)[] = [];
let edge: PrivateEnvoy;
let fakes: DemoPlatforms;
let token = "";
let campaignId = "";

interface Rest {
  status: number;
  text: string;
  body: any;
}

async function rest(method: string, path: string, body?: unknown, credential = token): Promise<Rest> {
  const res = await fetch(`${edge.url}${path}`, {
    method,
    headers: { "content-type": "application/json", ...(credential ? { authorization: `Bearer ${credential}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : {};
  } catch {
    // an Envoy-generated error: keep the text
  }
  return { status: res.status, text, body: parsed };
}

async function ok(method: string, path: string, body?: unknown, credential?: string): Promise<any> {
  const res = await rest(method, path, body, credential);
  assert.equal(res.status, 200, `${method} ${path}: ${res.text}`);
  return res.body;
}

async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Every credential the fakes handed out or accept, and every one the connections were created with. */
function secrets(): string[] {
  const values = PLATFORMS.flatMap((p) => Object.values(fakes.accounts[p].credentials).filter((v): v is string => typeof v === "string" && v.length >= 8));
  for (const p of PLATFORMS) values.push(...fakes.fakes[p].controls.validTokens);
  return [...new Set(values)];
}

/**
 * The documented whole count of exact conversions (analytics.proto Metrics.conversions): micros /
 * 10^6 rounded half to even, from the exact sum of the row. Written out here, not imported, so the
 * test states the rule itself.
 */
function wholeConversions(micros: bigint): bigint {
  const [whole, rest] = [micros / 1_000_000n, micros % 1_000_000n];
  if (rest > 500_000n) return whole + 1n;
  if (rest < 500_000n) return whole;
  return whole % 2n === 0n ? whole : whole + 1n;
}

/** What the platform reports for the campaign's linked external campaigns on one day, summed. */
function expectedDay(account: FakeAccount, date: string, externalIds: string[]) {
  let impressions = 0n;
  let clicks = 0n;
  let costMicros = 0n;
  let conversionsMicros = 0n;
  let revenueMicros = 0n;
  for (const id of externalIds) {
    const day = account.day(id, date);
    impressions += day.impressions;
    clicks += day.clicks;
    costMicros += day.costMicros;
    for (const c of day.conversions) {
      conversionsMicros += c.conversionsMicros;
      revenueMicros += c.revenueMicros;
    }
  }
  // Exact in conversions_micros (Google Ads reports halves); the whole count rounds that day's exact sum.
  return {
    impressions: `${impressions}`,
    clicks: `${clicks}`,
    conversions: `${wholeConversions(conversionsMicros)}`,
    conversionsMicros: `${conversionsMicros}`,
    costMicros: `${costMicros}`,
    revenueMicros: `${revenueMicros}`,
  };
}

const linked = (p: PlatformSlug) => fakes.accounts[p].campaignIds.slice(0, 2);

/** The platform-sourced rows of the campaign's daily insights, keyed `platform date`. */
async function platformInsights(start: string, end: string): Promise<Map<string, ReturnType<typeof expectedDay>>> {
  const body = await ok(
    "GET",
    `/v1/campaigns/${campaignId}/insights?startDate=${start}&endDate=${end}&granularity=GRANULARITY_DAY&breakdowns=DIMENSION_SOURCE&breakdowns=DIMENSION_PLATFORM`,
  );
  const out = new Map<string, ReturnType<typeof expectedDay>>();
  for (const r of body.rows as any[]) {
    if (r.source !== "SOURCE_PLATFORM") continue;
    const m = r.metrics;
    out.set(`${r.platform} ${r.bucket}`, {
      impressions: m.impressions,
      clicks: m.clicks,
      conversions: m.conversions,
      conversionsMicros: m.conversionsMicros,
      costMicros: m.costMicros,
      revenueMicros: m.revenueMicros,
    });
  }
  return out;
}

function expectedInsights(start: string, end: string): Map<string, ReturnType<typeof expectedDay>> {
  const out = new Map<string, ReturnType<typeof expectedDay>>();
  for (const p of PLATFORMS) for (let d = start; d <= end; d = addDays(d, 1)) out.set(`${p} ${d}`, expectedDay(fakes.fakes[p].account, d, linked(p)));
  return out;
}

/**
 * The rows one sync ingests for the campaign per platform over the default window (28 days ending
 * today in the account's zone), the two linked external campaigns summed per key: a delivery row
 * per day, plus, where the platform reports conversions per action, a row per action — Meta every
 * counted action type its `actions` list, Google Ads each segments.conversion_action with
 * conversions > 0 that day. LinkedIn and TikTok carry conversions on the delivery row (one row a
 * day, whichever zone LinkedIn's UTC days are counted in).
 */
function expectedRowCounts(): string[] {
  const window = lookbackWindow(ZONE, 28, new Date());
  return PLATFORMS.map((p) => {
    const account = fakes.fakes[p].account;
    let rows = 0;
    for (let d = window.startDate; d <= window.endDate; d = addDays(d, 1)) {
      const actions = new Set(
        linked(p).flatMap((id) =>
          account
            .day(id, d)
            .conversions.filter((c) => p !== "google" || c.conversionsMicros > 0n)
            .map((c) => c.action),
        ),
      );
      const perAction =
        p === "meta" ? [...actions].filter((a) => DEFAULT_META_CONFIG.conversionActionTypes.includes(a)).length : p === "google" ? actions.size : 0;
      rows += 1 + perAction;
    }
    return String(rows);
  });
}

/** FetchPlatformData, then polls the job until it leaves PENDING/RUNNING. */
async function fetchPlatformData(): Promise<any> {
  const started = (await ok("POST", `/v1/campaigns/${campaignId}:fetchPlatformData`, {})).job;
  assert.ok(["PLATFORM_FETCH_JOB_STATE_PENDING", "PLATFORM_FETCH_JOB_STATE_RUNNING"].includes(started.state), started.state);
  return eventually("the fetch job to finish", async () => {
    const job = (await ok("GET", `/v1/platformFetchJobs/${started.id}`)).job;
    return job.state === "PLATFORM_FETCH_JOB_STATE_PENDING" || job.state === "PLATFORM_FETCH_JOB_STATE_RUNNING" ? undefined : job;
  });
}

before(async () => {
  fakes = await startDemoPlatforms({ campaignsPerAccount: 3, currencyCode: "USD", timeZone: ZONE, pageSize: 10 });
  stops.push(() => fakes.close());
  const prefix = uniqueName("plat");
  const dbs: TestDatabase[] = [await createTestDatabase(), await createTestDatabase(), await createTestDatabase()];
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
      TALLY_PG_URL: dbs[1]!.url,
      TALLY_CAMPAIGN_ADDR: campaignAddr,
      TALLY_INGESTION_HOST: "127.0.0.1",
      TALLY_INGESTION_PORT: "0",
      TALLY_INGESTION_METRICS_PORT: "0",
      // Jobs only: every fetch here is a FetchPlatformData the test started.
      TALLY_PLATFORM_SYNC_INTERVAL_MS: "0",
      TALLY_PLATFORM_WORKER_POLL_MS: "100",
      // The production path, configured as an operator would: TALLY_*_API_URL at the fakes.
      ...fakes.apiEnv,
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
  const analyticsEnv = {
    ...common,
    TALLY_PG_URL: dbs[2]!.url,
    TALLY_CAMPAIGN_ADDR: campaignAddr,
    TALLY_ANALYTICS_HOST: "127.0.0.1",
    TALLY_ANALYTICS_PORT: "0",
    TALLY_ANALYTICS_METRICS_PORT: "0",
    TALLY_AGGREGATOR_METRICS_PORT: "0",
    TALLY_AGGREGATOR_GROUP: `${prefix}.aggregator`,
    TALLY_AGGREGATOR_FLUSH_MS: "100",
  };
  const aggregator = await wireAggregator(analyticsConfig(analyticsEnv), createLogger("aggregator", "debug", capture));
  stops.unshift(() => aggregator.stop());
  const analytics = await wireInsightsApi(analyticsConfig(analyticsEnv), createLogger("analytics", "debug", capture));
  stops.unshift(() => analytics.stop());
  edge = await startPrivateEnvoy({ campaign: campaign.port, ingestion: ingest.port, analytics: analytics.port });
  stops.unshift(() => edge.stop());

  const reg = await ok(
    "POST",
    "/v1/auth:register",
    { email: `${uniqueName("plat")}@example.com`, password: "platform password 1", organizationName: "Ads" },
    "",
  );
  token = reg.accessToken;
  const created = await ok("POST", "/v1/campaigns", {
    name: uniqueName("Platforms "),
    type: "CAMPAIGN_TYPE_PROMOTION",
    currencyCode: "USD",
    budgetMicros: "100000000000",
    timeZone: CAMPAIGN_ZONE,
    platforms: PLATFORMS,
  });
  campaignId = created.campaign.id;
});

after(async () => {
  for (const stop of stops) await stop();
});

describe("ad-platform data through the REST edge", () => {
  it("creates a connection per platform; no response carries a credential", async () => {
    for (const p of PLATFORMS) {
      const a = fakes.accounts[p];
      const created = await rest("POST", "/v1/platformConnections", {
        platform: p,
        accountId: a.accountId,
        displayName: `Demo ${p}`,
        credentials: a.credentials,
      });
      assert.equal(created.status, 200, created.text);
      assert.deepEqual(
        [created.body.platformConnection.platform, created.body.platformConnection.accountId, created.body.platformConnection.status],
        [p, a.accountId, "PLATFORM_CONNECTION_STATUS_ACTIVE"],
      );
      const got = await rest("GET", `/v1/platformConnections/${created.body.platformConnection.id}`);
      assert.equal(got.status, 200, got.text);
      for (const res of [created, got]) {
        assert.equal(res.body.platformConnection.credentials, undefined);
        for (const s of secrets()) assert.ok(!res.text.includes(s), `a ${p} credential in a response`);
      }
    }
    const list = await rest("GET", "/v1/platformConnections");
    assert.deepEqual(list.body.platformConnections.map((c: any) => c.platform).sort(), [...PLATFORMS].sort());
    for (const s of secrets()) assert.ok(!list.text.includes(s), "a credential in ListPlatformConnections");
  });

  it("maps the DRAFT campaign to two external campaigns per platform (platform_links), then launches it", async () => {
    const links = PLATFORMS.map((p) => ({ platform: p, accountId: fakes.accounts[p].accountId, externalCampaignIds: linked(p) }));
    const updated = await ok("PATCH", `/v1/campaigns/${campaignId}?update_mask=platform_links`, { platformLinks: links });
    assert.deepEqual(
      updated.campaign.platformLinks.map((l: any) => [l.platform, l.externalCampaignIds]),
      links.map((l) => [l.platform, l.externalCampaignIds]),
    );
    assert.equal((await ok("POST", `/v1/campaigns/${campaignId}:launch`, {})).campaign.status, "CAMPAIGN_STATUS_ACTIVE");
  });

  it("FetchPlatformData → the job succeeds → insights show each platform's rows with exact micros (an expired Google token refreshed, a TikTok 429 waited out)", async () => {
    fakes.fakes.google.controls.expireTokens();
    fakes.fakes.tiktok.controls.throttleNext = 1;
    const job = await fetchPlatformData();
    assert.equal(job.state, "PLATFORM_FETCH_JOB_STATE_SUCCEEDED", JSON.stringify(job.errors));
    // The default window: 28 days ending today in each account's zone, two external campaigns summed per day and action.
    const rowCounts = expectedRowCounts();
    assert.deepEqual(
      PLATFORMS.map((p) => job.rowsByPlatform[p]),
      rowCounts,
    );
    // Meta and Google Ads report conversions per action: more rows than days.
    assert.ok(Number(rowCounts[0]) > 28 && Number(rowCounts[1]) > 28, `meta ${rowCounts[0]}, google ${rowCounts[1]} rows`);
    const total = String(rowCounts.reduce((sum, n) => sum + Number(n), 0));
    assert.deepEqual([job.rows, job.counts.accepted, job.counts.rejected ?? "0"], [total, total, "0"]);
    assert.equal(fakes.fakes.google.controls.tokenRefreshes, 1);
    const [start, end] = [addDays(D, -2), D];
    const expected = expectedInsights(start, end);
    const seen = await eventually("the platform rows in insights", async () => {
      const got = await platformInsights(start, end);
      return got.size === expected.size && [...expected.keys()].every((k) => got.get(k)?.costMicros === expected.get(k)!.costMicros) ? got : undefined;
    });
    assert.deepEqual(Object.fromEntries(seen), Object.fromEntries(expected));
  });

  it("a restated day replaces the earlier numbers on the next sync, never adds to them; the refreshed token was stored", async () => {
    const before = expectedInsights(D, D);
    for (const p of PLATFORMS) fakes.fakes[p].account.restate(D);
    const restated = expectedInsights(D, D);
    for (const p of PLATFORMS) assert.notEqual(restated.get(`${p} ${D}`)!.costMicros, before.get(`${p} ${D}`)!.costMicros);
    const job = await fetchPlatformData();
    assert.equal(job.state, "PLATFORM_FETCH_JOB_STATE_SUCCEEDED", JSON.stringify(job.errors));
    // The second fetch used the token the first one refreshed (stored, sealed): no second refresh.
    assert.equal(fakes.fakes.google.controls.tokenRefreshes, 1);
    const expected = expectedInsights(addDays(D, -1), D);
    const seen = await eventually("the restated day in insights", async () => {
      const got = await platformInsights(addDays(D, -1), D);
      return PLATFORMS.every((p) => got.get(`${p} ${D}`)?.costMicros === expected.get(`${p} ${D}`)!.costMicros) ? got : undefined;
    });
    assert.deepEqual(Object.fromEntries(seen), Object.fromEntries(expected));
  });

  describe("IngestPlatformReport", () => {
    const day = addDays(TODAY, -5);
    const row = (over: Record<string, unknown> = {}) => ({
      campaignId,
      platform: "snapchat",
      region: "US",
      date: day,
      impressions: "1000",
      clicks: "40",
      conversionsMicros: "2500000",
      costMicros: "12340000",
      revenueMicros: "50000000",
      currencyCode: "USD",
      timeZone: ZONE,
      ...over,
    });
    const snapchat = async () => {
      const rows = (
        await ok(
          "GET",
          `/v1/campaigns/${campaignId}/insights?startDate=${day}&endDate=${day}&granularity=GRANULARITY_DAY&breakdowns=DIMENSION_PLATFORM&platforms=snapchat`,
        )
      ).rows;
      return rows.find((r: any) => r.platform === "snapchat")?.metrics;
    };

    it("a restated row replaces the earlier one", async () => {
      const first = await ok("POST", "/v1/platformReports:ingest", { rows: [row()] });
      assert.deepEqual([first.receipts[0].status, first.counts.accepted], ["RECEIPT_STATUS_ACCEPTED", "1"]);
      const firstSeen = await eventually("the first snapshot", async () => {
        const got = await snapchat();
        return got?.costMicros === "12340000" ? got : undefined;
      });
      // 2.5 conversions: exact in conversions_micros, 2 as a whole count (half to even).
      assert.deepEqual([firstSeen.conversions, firstSeen.conversionsMicros], ["2", "2500000"]);
      const again = await ok("POST", "/v1/platformReports:ingest", {
        rows: [row({ impressions: "1500", clicks: "60", costMicros: "20000000", conversionsMicros: "3000000" })],
      });
      assert.equal(again.receipts[0].status, "RECEIPT_STATUS_ACCEPTED");
      const m = await eventually("the restated snapshot", async () => {
        const got = await snapchat();
        return got?.costMicros === "20000000" ? got : undefined;
      });
      assert.deepEqual(
        [m.impressions, m.clicks, m.conversions, m.conversionsMicros, m.costMicros, m.revenueMicros],
        ["1500", "60", "3", "3000000", "20000000", "50000000"],
      );
    });

    it("rejects a currency mismatch naming the field, and another tenant's campaign as not found", async () => {
      const other = await ok(
        "POST",
        "/v1/auth:register",
        { email: `${uniqueName("other")}@example.com`, password: "other password 12", organizationName: "Other" },
        "",
      );
      const theirs = (
        await ok(
          "POST",
          "/v1/campaigns",
          { name: uniqueName("Theirs "), type: "CAMPAIGN_TYPE_PROMOTION", currencyCode: "USD", budgetMicros: "1000000", timeZone: ZONE },
          other.accessToken,
        )
      ).campaign.id;
      await ok("POST", `/v1/campaigns/${theirs}:launch`, {}, other.accessToken);
      const res = await ok("POST", "/v1/platformReports:ingest", { rows: [row({ currencyCode: "EUR" }), row({ campaignId: theirs }), row({ region: "GB" })] });
      assert.deepEqual(
        res.receipts.map((r: any) => [r.status, r.reason ?? "", r.field ?? ""]),
        [
          ["RECEIPT_STATUS_REJECTED", "CURRENCY_MISMATCH", "rows[0].currency_code"],
          ["RECEIPT_STATUS_REJECTED", "CAMPAIGN_NOT_FOUND", "rows[1].campaign_id"],
          ["RECEIPT_STATUS_ACCEPTED", "", ""],
        ],
      );
      assert.match(res.receipts[0].message, /EUR.*USD/);
      assert.deepEqual([res.counts.accepted, res.counts.rejected], ["1", "2"]);
    });
  });

  it("no process logged a credential", async () => {
    assert.ok(logLines.length > 50, `only ${logLines.length} log lines were captured`);
    assert.ok(
      logLines.some((l) => l.includes("platform fetch job finished")),
      "the worker's lines are among those searched",
    );
    const all = logLines.join("");
    for (const s of secrets()) assert.ok(!all.includes(s), `a credential (${s.slice(0, 4)}…) in the logs`);
  });
});
