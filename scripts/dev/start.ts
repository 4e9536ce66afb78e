/**
 * `npm start`: the whole local Tally — infrastructure, the services, Envoy, the four fake ad
 * platforms (in this process; ingestion's connectors point at them), a demo tenant with a launched
 * campaign connected to all four, and the simulator sending traffic to it. Ctrl-C stops everything
 * it started.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import { startDemoPlatforms, type DemoPlatforms } from "../../services/ingestion/src/connectors/demo-platforms.js";
import { seedDemo, DEMO } from "./demo.js";
import { ADDRS, buildDist, ENVOY_URL, LOG_DIR, ROOT, runningComponents, stack, startEnvoy, startServices, stopChildren } from "./processes.js";

const before = runningComponents();
let children: ChildProcess[] = [];
let platforms: DemoPlatforms | null = null;
let stopping = false;

async function shutdown(code: number): Promise<never> {
  if (stopping) process.exit(code);
  stopping = true;
  console.log("\nStopping Tally…");
  await stopChildren(children);
  await platforms?.close();
  const started = ["envoy", "kafka", "redis", "postgres"].filter((c) => !before.has(c));
  if (started.length > 0) stack("stop", ...started);
  console.log("Stopped.");
  process.exit(code);
}
process.on("SIGINT", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0));

try {
  console.log("▶ infrastructure (PostgreSQL, Redis, Kafka)…");
  stack("start", "postgres", "redis", "kafka");
  console.log("▶ fake ad platforms (Meta, Google Ads, LinkedIn, TikTok)…");
  const simRate = Number(process.env.TALLY_SIM_RATE ?? 50);
  platforms = await startDemoPlatforms({ currencyCode: "USD", timeZone: "America/New_York", eventsPerSecond: simRate });
  console.log("▶ build (dist/: the services run compiled, as in production)…");
  buildDist();
  console.log(`▶ services (logs in ${LOG_DIR})…`);
  children = await startServices(
    {
      // Demo tokens last a day so the simulator keeps going; production keeps the 1 h default.
      TALLY_TOKEN_TTL_SECONDS: process.env.TALLY_TOKEN_TTL_SECONDS ?? "86400",
      // Ingestion's connectors call the fakes instead of the platforms' production APIs.
      ...platforms.apiEnv,
    },
    { compiled: true },
  );
  console.log("▶ envoy…");
  await startEnvoy();
  const demo = await seedDemo(ADDRS.campaign, { ingestionAddr: ADDRS.ingestion, accounts: platforms.accounts });
  const sim = spawn(process.execPath, ["--max-old-space-size=128", "--import", "tsx", "services/ingestion/src/connectors/simulator/simulator-main.ts"], {
    cwd: ROOT,
    env: { ...process.env, TALLY_SIM_CAMPAIGN_IDS: demo.campaignId, TALLY_SIM_TOKEN: demo.token, TALLY_INGESTION_ADDR: ADDRS.ingestion },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const simLog = createWriteStream(`${LOG_DIR}/simulator.log`, { flags: "a" });
  sim.stdout!.pipe(simLog);
  sim.stderr!.pipe(simLog);
  children.push(sim);

  const insights = `${ENVOY_URL}/v1/campaigns/${demo.campaignId}/insights?granularity=GRANULARITY_DAY&breakdowns=DIMENSION_SOURCE&breakdowns=DIMENSION_PLATFORM`;
  const fakeUrls = (["meta", "google", "linkedin", "tiktok"] as const).map((p) => `${p} ${platforms!.connectorConfig[p]!.baseUrl}`).join(" · ");
  console.log(`
Tally is running.

  Dashboard         ${ENVOY_URL}/dashboard/   (sign in as ${DEMO.email} / ${DEMO.password})
  REST (Envoy)      ${ENVOY_URL}
  gRPC              campaign ${ADDRS.campaign} · ingestion ${ADDRS.ingestion} · analytics ${ADDRS.analytics}
  demo login        ${DEMO.email} / ${DEMO.password}
  demo campaign     ${demo.campaignId} (simulator sending traffic; log: ${LOG_DIR}/simulator.log)
  ad platforms      fake Meta, Google Ads, LinkedIn and TikTok servers (${fakeUrls}), one connection each;
                    the campaign is linked to their campaigns, the last 28 days are being fetched now
                    (job ${demo.fetchJobId}) and re-synced every hour

Insights for the demo campaign, tracked (simulator) and platform (fakes) side by side:

  export TOKEN=${demo.token}
  curl -s -H "authorization: Bearer $TOKEN" '${insights}'

gRPC, with reflection (no proto files needed):

  grpcurl -plaintext -H "authorization: Bearer $TOKEN" -d '{"campaign_id":"${demo.campaignId}","granularity":"GRANULARITY_TOTAL"}' \\
    ${ADDRS.analytics} tally.analytics.v1.AnalyticsService/GetCampaignInsights

Platform connections and the fetch job:

  curl -s -H "authorization: Bearer $TOKEN" '${ENVOY_URL}/v1/platformConnections'
  curl -s -H "authorization: Bearer $TOKEN" '${ENVOY_URL}/v1/platformFetchJobs/${demo.fetchJobId}'

Press Ctrl-C to stop.
`);
} catch (err) {
  console.error(`✗ ${(err as Error).message}`);
  await shutdown(1);
}
