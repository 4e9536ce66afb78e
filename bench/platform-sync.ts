/**
 * Sync time per platform for 50 campaigns × 28 days against the fake platform servers (loopback):
 * what one connection's lookback sync costs in connector work, paging and parsing, without the
 * platforms' own latency. Run: node --import tsx bench/platform-sync.ts [campaigns] [days] [runs]
 */
import { performance } from "node:perf_hooks";
import { startDemoPlatforms } from "../services/ingestion/src/connectors/demo-platforms.js";
import { createPlatformConnectors } from "../services/ingestion/src/connectors/platform-connectors.js";
import type { PlatformSlug } from "../services/ingestion/src/connectors/platform-connector.js";
import { lookbackRange } from "../services/ingestion/src/connectors/shared/lookback.js";

const campaigns = Number(process.argv[2] ?? 50);
const days = Number(process.argv[3] ?? 28);
const runs = Number(process.argv[4] ?? 5);

const demo = await startDemoPlatforms({ campaignsPerAccount: campaigns });
try {
  const connectors = createPlatformConnectors(demo.connectorConfig);
  const range = lookbackRange(new Date(), "America/New_York", days);
  console.log(`${campaigns} campaigns × ${days} days (${range.startDate}..${range.endDate}), ${runs} runs each, median and max`);
  for (const platform of ["meta", "google", "linkedin", "tiktok"] as PlatformSlug[]) {
    const { accountId, campaignIds, credentials } = demo.accounts[platform];
    const fake = demo.fakes[platform];
    const times: number[] = [];
    let rows = 0;
    const before = fake.controls.requests.length;
    for (let i = 0; i < runs; i += 1) {
      const started = performance.now();
      rows = (await connectors[platform].fetchReport(credentials, { accountId, externalCampaignIds: campaignIds, ...range })).rows.length;
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    const calls = (fake.controls.requests.length - before) / runs;
    console.log(
      `${platform.padEnd(9)} rows ${String(rows).padStart(5)}  HTTP calls ${String(calls).padStart(3)}  median ${times[Math.floor(runs / 2)]!.toFixed(1)} ms  max ${times.at(-1)!.toFixed(1)} ms`,
    );
  }
} finally {
  await demo.close();
}
