/** Tally's own figures: end-to-end ingest, freshness, and insights latency via gRPC and via Envoy. */
import { credentials } from "@grpc/grpc-js";
import { AnalyticsServiceClient, Granularity, type GetCampaignInsightsRequest } from "#gen/tally/analytics/v1/analytics.js";
import { Campaign, CampaignType } from "#gen/tally/campaign/v1/campaign.js";
import { CampaignServiceClient } from "#gen/tally/campaign/v1/campaign_service.js";
import { EventType } from "#gen/tally/events/v1/events.js";
import { IdentityServiceClient } from "#gen/tally/identity/v1/identity.js";
import { AdEvent, IngestionServiceClient } from "#gen/tally/ingestion/v1/ingestion.js";
import { callMetadata, unaryCall } from "#common/grpc-client.js";
import { ADDRS } from "../scripts/dev/processes.js";
import { Redis } from "ioredis";
import { generationKey, newGeneration } from "../services/analytics/src/cache/redis-keys.js";
import { stack, uniqueName } from "../test/support/stack.js";
import { ghzClosedLoop } from "./ghz.js";
import { percentile, type LatencySummary } from "./stats.js";

const insecure = credentials.createInsecure();

export interface Tenant {
  token: string;
  campaignIds: string[];
}

/** A fresh tenant with `n` launched campaigns (UTC reporting, so every run buckets alike). */
export async function createTenant(n: number): Promise<Tenant> {
  const identity = new IdentityServiceClient(ADDRS.campaign, insecure);
  const campaigns = new CampaignServiceClient(ADDRS.campaign, insecure);
  const reg = await unaryCall(
    identity.register.bind(identity),
    { email: `${uniqueName("bench")}@example.com`, password: "bench password 1", organizationName: "Bench" },
    callMetadata(""),
    10_000,
  );
  const md = () => callMetadata(reg.accessToken);
  const campaignIds: string[] = [];
  for (let i = 0; i < n; i++) {
    const campaign = Campaign.fromPartial({
      name: `Bench ${i}`,
      type: CampaignType.CAMPAIGN_TYPE_PROMOTION,
      currencyCode: "USD",
      budgetMicros: "1000000000000",
      timeZone: "UTC",
      platforms: ["meta", "google"],
    });
    const c = (await unaryCall(campaigns.createCampaign.bind(campaigns), { campaign, requestId: "" }, md(), 10_000)).campaign!;
    await unaryCall(campaigns.launchCampaign.bind(campaigns), { id: c.id, etag: "" }, md(), 10_000);
    campaignIds.push(c.id);
  }
  identity.close();
  campaigns.close();
  return { token: reg.accessToken, campaignIds };
}

const PLATFORMS = ["meta", "google", "linkedin", "tiktok"];
const REGIONS = ["US", "GB", "DE", "FR", "IN", "BR"];
const TYPES = [EventType.EVENT_TYPE_IMPRESSION, EventType.EVENT_TYPE_IMPRESSION, EventType.EVENT_TYPE_IMPRESSION, EventType.EVENT_TYPE_CLICK];

function batch(tenant: Tenant, prefix: string, start: number, size: number): AdEvent[] {
  const occurTime = new Date(Date.now() - 60_000);
  return Array.from({ length: size }, (_, j) => {
    const i = start + j;
    return AdEvent.fromPartial({
      eventId: `${prefix}-${i}`,
      campaignId: tenant.campaignIds[i % tenant.campaignIds.length],
      type: TYPES[i % TYPES.length],
      platform: PLATFORMS[i % PLATFORMS.length],
      region: REGIONS[i % REGIONS.length],
      occurTime,
      costMicros: "1500",
    });
  });
}

async function countedEvents(analytics: AnalyticsServiceClient, tenant: Tenant): Promise<number> {
  let total = 0;
  for (const campaignId of tenant.campaignIds) {
    const r = await unaryCall(
      analytics.getCampaignInsights.bind(analytics),
      insightsReq(campaignId, Granularity.GRANULARITY_TOTAL),
      callMetadata(tenant.token),
      10_000,
    );
    const t = r.totals!;
    total += Number(t.impressions) + Number(t.clicks) + Number(t.conversions) + Number(t.filteredEvents);
  }
  return total;
}

function insightsReq(campaignId: string, granularity: Granularity, extra: Partial<GetCampaignInsightsRequest> = {}): GetCampaignInsightsRequest {
  return { campaignId, startDate: "", endDate: "", granularity, platforms: [], regions: [], breakdowns: [], timeZone: "", ...extra };
}

export interface IngestResult {
  events: number;
  ackRate: number;
  endToEndRate: number;
  ackSeconds: number;
  visibleSeconds: number;
  /** Events acknowledged by each ingestion process (in the order of `addrs`). */
  perAddress: number[];
}

/** Sends `n` events over gRPC (batches of 1000, 8 in flight) and waits until insights count them all. */
export async function ingestEndToEnd(tenant: Tenant, n: number, addrs: string[] = [ADDRS.ingestion]): Promise<IngestResult> {
  // 4 channels, spread over the ingestion processes; the workers take them in turn.
  const channels = Array.from({ length: 4 }, (_, i) => new IngestionServiceClient(addrs[i % addrs.length]!, insecure));
  const perAddress = addrs.map(() => 0);
  const analytics = new AnalyticsServiceClient(ADDRS.analytics, insecure);
  const prefix = uniqueName("b");
  const before = await countedEvents(analytics, tenant);
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async (_, w) => {
      while (next < n) {
        const start = next;
        next += 1000;
        const client = channels[w % channels.length]!;
        const res = await unaryCall(
          client.ingestEvents.bind(client),
          { events: batch(tenant, prefix, start, Math.min(1000, n - start)) },
          callMetadata(tenant.token),
          60_000,
        );
        if (Number(res.counts!.accepted) !== Math.min(1000, n - start)) throw new Error(`batch at ${start}: ${JSON.stringify(res.counts)}`);
        perAddress[(w % channels.length) % addrs.length]! += Number(res.counts!.accepted);
      }
    }),
  );
  const acked = performance.now();
  while ((await countedEvents(analytics, tenant)) - before < n) {
    if (performance.now() - acked > 180_000) throw new Error("events did not all become visible within 180 s");
    await new Promise((r) => setTimeout(r, 100));
  }
  const visible = performance.now();
  for (const c of channels) c.close();
  analytics.close();
  return {
    events: n,
    ackRate: n / ((acked - t0) / 1000),
    endToEndRate: n / ((visible - t0) / 1000),
    ackSeconds: (acked - t0) / 1000,
    visibleSeconds: (visible - t0) / 1000,
    perAddress,
  };
}

/** From ingest acknowledgement to visible in insights, one event at a time. */
export async function freshness(tenant: Tenant, probes: number): Promise<{ p50: number; p99: number; max: number }> {
  const ingestion = new IngestionServiceClient(ADDRS.ingestion, insecure);
  const analytics = new AnalyticsServiceClient(ADDRS.analytics, insecure);
  const campaignId = tenant.campaignIds[0]!;
  const read = async () => {
    const r = await unaryCall(
      analytics.getCampaignInsights.bind(analytics),
      insightsReq(campaignId, Granularity.GRANULARITY_TOTAL),
      callMetadata(tenant.token),
      10_000,
    );
    return Number(r.totals!.impressions);
  };
  const prefix = uniqueName("f");
  const samples: number[] = [];
  for (let i = 0; i < probes; i++) {
    const before = await read();
    const event = AdEvent.fromPartial({
      eventId: `${prefix}-${i}`,
      campaignId,
      type: EventType.EVENT_TYPE_IMPRESSION,
      platform: "meta",
      occurTime: new Date(),
    });
    await unaryCall(ingestion.ingestEvents.bind(ingestion), { events: [event] }, callMetadata(tenant.token), 10_000);
    const acked = performance.now();
    while ((await read()) <= before) await new Promise((r) => setTimeout(r, 10));
    samples.push(performance.now() - acked);
    await new Promise((r) => setTimeout(r, Math.random() * 300));
  }
  ingestion.close();
  analytics.close();
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p99: percentile(samples, 99), max: samples.at(-1)! };
}

export interface InsightsResult {
  grpcCached: LatencySummary;
  grpcUncached: LatencySummary;
}

/** The cached REST read the bench loads: the same 30-day DAY report as the gRPC phases. */
export function restInsightsUrl(envoyUrl: string, campaignId: string): string {
  const end = new Date().toISOString().slice(0, 10);
  const start = new Date(Date.now() - 29 * 86_400_000).toISOString().slice(0, 10);
  return `${envoyUrl}/v1/campaigns/${campaignId}/insights?startDate=${start}&endDate=${end}&granularity=GRANULARITY_DAY`;
}

export async function insightsLatency(tenant: Tenant, concurrency: number, seconds: number): Promise<InsightsResult> {
  const clients = Array.from({ length: 4 }, () => new AnalyticsServiceClient(ADDRS.analytics, insecure));
  const campaignId = tenant.campaignIds[0]!;
  const md = callMetadata(tenant.token);
  const end = new Date().toISOString().slice(0, 10);
  const start = new Date(Date.now() - 29 * 86_400_000).toISOString().slice(0, 10);
  const daily = insightsReq(campaignId, Granularity.GRANULARITY_DAY, { startDate: start, endDate: end });
  const grpcCached = await ghzClosedLoop({
    target: ADDRS.analytics,
    call: "tally.analytics.v1.AnalyticsService.GetCampaignInsights",
    data: { campaign_id: campaignId, start_date: start, end_date: end, granularity: "GRANULARITY_DAY" },
    metadata: { authorization: `Bearer ${tenant.token}` },
    concurrency,
    seconds,
  });
  // Uncached: before each request (outside the timed part) the campaign gets a new data
  // generation, as after an aggregator flush, so every request computes its answer from the rollups.
  const redis = new Redis(stack.redisUrl);
  const tenantId = (JSON.parse(Buffer.from(tenant.token.split(".")[1]!, "base64url").toString()) as { tid: string }).tid;
  const genKey = `${process.env.TALLY_REDIS_KEY_PREFIX ?? "tally:"}${generationKey({ tenantId, campaignId })}`;
  const samples: number[] = [];
  let errors = 0;
  const t0 = performance.now();
  for (let i = 0; performance.now() - t0 < seconds * 1000; i++) {
    await redis.set(genKey, newGeneration());
    const started = performance.now();
    try {
      await unaryCall(clients[0]!.getCampaignInsights.bind(clients[0]!), i % 2 ? { ...daily, platforms: ["meta"] } : daily, md, 10_000);
      samples.push(performance.now() - started);
    } catch {
      errors++;
    }
  }
  redis.disconnect();
  samples.sort((a, b) => a - b);
  const busy = samples.reduce((a, b) => a + b, 0) / 1000;
  const grpcUncached: LatencySummary = {
    requests: samples.length,
    seconds: busy,
    rps: samples.length / busy,
    p50: percentile(samples, 50),
    p99: percentile(samples, 99),
    errors,
    loadGenCpu: NaN,
  };
  for (const c of clients) c.close();
  return { grpcCached, grpcUncached };
}
