/**
 * The whole platform-data path for 50 campaigns × 28 days per platform: fake platform servers →
 * connectors → IngestPlatformReport → Kafka → aggregator → insights. One tenant, 50 launched
 * campaigns each linked to one external campaign on each of the four fakes; creating the four
 * connections makes their scheduled syncs due at once. Measures, from the first connection's
 * creation: each connection's sync finished (last_sync_time set), every row in the analytics store,
 * and then checks every campaign's 28-day insights against the fakes exactly.
 * Its own processes (wire(), port 0, fresh databases, own topics) behind a private Envoy; only
 * Postgres, Redis and Kafka are shared. Run: node --import tsx bench/platform-sync-path.ts [campaigns]
 */
import pg from "pg";
import { createLogger } from "#common/logger.js";
import { wireAggregator } from "../services/analytics/src/aggregator/wire.js";
import { loadConfig as analyticsConfig } from "../services/analytics/src/config.js";
import { wireInsightsApi } from "../services/analytics/src/wire.js";
import { loadConfig as campaignConfig } from "../services/campaign/src/config.js";
import { wire as wireCampaign } from "../services/campaign/src/wire.js";
import { startDemoPlatforms } from "../services/ingestion/src/connectors/demo-platforms.js";
import type { PlatformSlug } from "../services/ingestion/src/connectors/platform-connector.js";
import { loadConfig as ingestionConfig } from "../services/ingestion/src/config.js";
import { addDays, lookbackWindow } from "../services/ingestion/src/domain/platform-sync.js";
import { wire as wireIngestion } from "../services/ingestion/src/wire.js";
import { startPrivateEnvoy } from "../test/support/envoy.js";
import { createTestDatabase, stack, uniqueName } from "../test/support/stack.js";

const CAMPAIGNS = Number(process.argv[2] ?? 50);
const DAYS = 28;
const PLATFORMS: PlatformSlug[] = ["meta", "google", "linkedin", "tiktok"];
const stops: (() => Promise<unknown>)[] = [];
try {
  const fakes = await startDemoPlatforms({ currencyCode: "USD", timeZone: "America/New_York", eventsPerSecond: 50, campaignsPerAccount: CAMPAIGNS });
  stops.unshift(() => fakes.close());
  const prefix = uniqueName("psync");
  const dbs = [await createTestDatabase(), await createTestDatabase(), await createTestDatabase()];
  stops.push(() => Promise.all(dbs.map((d) => d.drop())));
  const logger = (name: string) => createLogger(name, "warn");
  const common = {
    TALLY_MODE: "development",
    TALLY_JWT_SECRET: stack.jwtSecret,
    TALLY_REDIS_URL: stack.redisUrl,
    TALLY_REDIS_KEY_PREFIX: `${prefix}:`,
    TALLY_KAFKA_BROKERS: stack.kafkaBrokers.join(","),
    TALLY_KAFKA_TOPIC_PREFIX: `${prefix}.`,
    TALLY_SHUTDOWN_GRACE_MS: "500",
    TALLY_RATE_LIMIT_READ_BURST: "100000",
  };
  const campaign = await wireCampaign(
    campaignConfig({ ...common, TALLY_PG_URL: dbs[0]!.url, TALLY_CAMPAIGN_HOST: "127.0.0.1", TALLY_CAMPAIGN_PORT: "0", TALLY_CAMPAIGN_METRICS_PORT: "0" }),
    { logger: logger("campaign") },
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
      TALLY_PLATFORM_WORKER_POLL_MS: "100",
      ...fakes.apiEnv,
    }),
    { logger: logger("ingestion") },
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
  };
  const aggregator = await wireAggregator(analyticsConfig(analyticsEnv), logger("aggregator"));
  stops.unshift(() => aggregator.stop());
  const analytics = await wireInsightsApi(analyticsConfig(analyticsEnv), logger("analytics"));
  stops.unshift(() => analytics.stop());
  const edge = await startPrivateEnvoy({ campaign: campaign.port, ingestion: ingest.port, analytics: analytics.port });
  stops.unshift(() => edge.stop());
  const store = new pg.Client({ connectionString: dbs[2]!.url });
  await store.connect();
  stops.unshift(() => store.end());

  let token = "";
  const call = async (method: string, path: string, body?: unknown): Promise<any> => {
    const res = await fetch(`${edge.url}${path}`, {
      method,
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await res.json();
    if (res.status !== 200) throw new Error(`${method} ${path}: ${JSON.stringify(json)}`);
    return json;
  };
  token = (await call("POST", "/v1/auth:register", { email: `${prefix}@example.com`, password: "bench password 1", organizationName: "Bench" })).accessToken;
  const ids: string[] = [];
  for (let i = 0; i < CAMPAIGNS; i += 1) {
    const platformLinks = PLATFORMS.map((p) => ({
      platform: p,
      accountId: fakes.accounts[p].accountId,
      externalCampaignIds: [fakes.accounts[p].campaignIds[i]!],
    }));
    const created = (
      await call("POST", "/v1/campaigns", {
        name: `Bench ${i}`,
        type: "CAMPAIGN_TYPE_PROMOTION",
        currencyCode: "USD",
        budgetMicros: "100000000000000",
        timeZone: "UTC",
        platformLinks,
      })
    ).campaign;
    await call("POST", `/v1/campaigns/${created.id}:launch`, {});
    ids.push(created.id);
  }
  const expectedRows = CAMPAIGNS * DAYS * PLATFORMS.length;
  console.log(`${CAMPAIGNS} campaigns × ${DAYS} days × ${PLATFORMS.length} platforms = ${expectedRows} report rows`);

  const start = Date.now();
  for (const p of PLATFORMS)
    await call("POST", "/v1/platformConnections", { platform: p, accountId: fakes.accounts[p].accountId, credentials: fakes.accounts[p].credentials });
  const synced = new Set<string>();
  for (;;) {
    for (const x of (await call("GET", "/v1/platformConnections")).platformConnections as any[]) {
      if (x.lastSyncTime && !synced.has(x.platform)) {
        synced.add(x.platform);
        console.log(
          `${x.platform.padEnd(9)} sync finished ${Date.parse(x.lastSyncTime) - start} ms after the first connection${x.lastError ? ` (${x.lastError})` : ""}`,
        );
      }
    }
    const rows = Number((await store.query("SELECT count(*) AS n FROM analytics.platform_report_rows")).rows[0].n);
    if (rows >= expectedRows) {
      console.log(`all ${rows} rows in the analytics store ${Date.now() - start} ms after the first connection`);
      break;
    }
    if (Date.now() - start > 300_000) throw new Error(`only ${rows} of ${expectedRows} rows after 5 minutes`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const window = lookbackWindow("", DAYS, new Date(start));
  let exact = 0;
  for (const [i, id] of ids.entries()) {
    const totals = (await call("GET", `/v1/campaigns/${id}/insights?startDate=${window.startDate}&endDate=${window.endDate}&granularity=GRANULARITY_TOTAL`))
      .totals;
    let cost = 0n;
    let impressions = 0n;
    for (const p of PLATFORMS)
      for (let d = window.startDate; d <= window.endDate; d = addDays(d, 1)) {
        const day = fakes.fakes[p].account.day(fakes.accounts[p].campaignIds[i]!, d);
        cost += day.costMicros;
        impressions += day.impressions;
      }
    if (totals.costMicros === String(cost) && totals.impressions === String(impressions)) exact += 1;
  }
  console.log(`insights exact (spend and impressions, ${DAYS} days × ${PLATFORMS.length} platforms) for ${exact} of ${CAMPAIGNS} campaigns`);
  if (exact !== CAMPAIGNS) process.exitCode = 1;
} finally {
  for (const stop of stops) await stop().catch((err) => console.error("stop failed", err));
}
