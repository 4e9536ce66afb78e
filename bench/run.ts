/**
 * `npm run bench`: Tally's performance figures beside baselines measured in the same run on the
 * same machine. Starts the stack like `npm test` (reusing a running one) with logs at warn.
 * Sizes: TALLY_BENCH_EVENTS (default 500000), TALLY_BENCH_SECONDS per latency phase (default 10).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import type { ChildProcess } from "node:child_process";
import { ADDRS, ROOT, runningComponents, servicesHealthy, stack, startEnvoy, startServices, stopChildren } from "../scripts/dev/processes.js";
import { stack as stackSettings } from "../test/support/stack.js";
import { echoBaselines, kafkaBaseline, pgUpsertBaseline } from "./baselines.js";
import { ensureGhz } from "./ghz.js";
import { fmt, type LatencySummary } from "./stats.js";
import { createTenant, freshness, ingestEndToEnd, insightsLatency } from "./system.js";

const EVENTS = Number(process.env.TALLY_BENCH_EVENTS ?? 500_000);
const SECONDS = Number(process.env.TALLY_BENCH_SECONDS ?? 10);
const CONCURRENCY = 50;
const FLUSH_MS = Number(process.env.TALLY_AGGREGATOR_FLUSH_MS ?? 1000);
const stackDir = process.env.TALLY_STACK_DIR ?? `${ROOT}.stack`;

const before = runningComponents();
let children: ChildProcess[] = [];
const lat = (s: LatencySummary) =>
  `${fmt(s.rps)} req/s, p50 ${fmt(s.p50, 1)} ms, p99 ${fmt(s.p99, 1)} ms, errors ${s.errors}, load generator ${fmt(s.loadGenCpu * 100)}% of a core`;

try {
  ensureGhz();
  stack("start", "postgres", "redis", "kafka");
  // One credential drives every load: limits far above the load keep the limiter (and its Redis
  // round trip) on the measured path without refusing anything.
  const unthrottled = {
    TALLY_RATE_LIMIT_INGEST_PER_SECOND: "10000000",
    TALLY_RATE_LIMIT_INGEST_BURST: "100000000",
    TALLY_RATE_LIMIT_READ_PER_SECOND: "10000000",
    TALLY_RATE_LIMIT_READ_BURST: "100000000",
  };
  if (!(await servicesHealthy())) children = await startServices({ TALLY_LOG_LEVEL: "warn", TALLY_AGGREGATOR_FLUSH_MS: String(FLUSH_MS), ...unthrottled });
  await startEnvoy();
  console.log(
    `\nTally bench — ${cpus().length} cores (${cpus()[0]?.model ?? "?"}), ${EVENTS.toLocaleString()} events, ${SECONDS} s per latency phase, ${CONCURRENCY} concurrent clients`,
  );
  console.log("Everything (Postgres, Redis, Kafka, Envoy, 4 service processes and this load generator) shares the machine.\n");

  console.log("baselines…");
  const kafka = await kafkaBaseline(stackSettings.kafkaBrokers, EVENTS);
  const pgBase = await pgUpsertBaseline(stackSettings.pgAdminUrl, EVENTS);
  const echo = await echoBaselines(`${stackDir}/bin/envoy`, ADDRS.analytics, CONCURRENCY, SECONDS);

  console.log("system…");
  const tenant = await createTenant(12);
  const ingest = await ingestEndToEnd(tenant, EVENTS);
  const fresh = await freshness(tenant, 30);
  const insights = await insightsLatency(tenant, CONCURRENCY, SECONDS);

  const rows: [string, string, string][] = [
    [
      "End-to-end ingest (gRPC → Kafka → aggregator → Postgres, visible in insights)",
      `${fmt(ingest.endToEndRate)} events/s (acks at ${fmt(ingest.ackRate)}/s)`,
      `raw kafkajs produce→consume ${fmt(kafka.endToEndRate)} msg/s (produce ${fmt(kafka.produceRate)}/s, consume ${fmt(kafka.consumeRate)}/s); Postgres upsert ${fmt(pgBase.rowsPerSecond)} rows/s`,
    ],
    [
      "Freshness: ingest ack → visible in insights (30 probes)",
      `p50 ${fmt(fresh.p50)} ms, p99 ${fmt(fresh.p99)} ms, max ${fmt(fresh.max)} ms`,
      `target ≤ flush interval (${FLUSH_MS} ms) + 1000 ms`,
    ],
    [
      "Insights, cached, gRPC (30-day DAY query; load: ghz)",
      lat(insights.grpcCached),
      `grpc-js echo (Health/Check on the analytics process; ghz): ${lat(echo.grpc)}`,
    ],
    ["Insights, cached, REST via Envoy (load: Node http keep-alive)", lat(insights.restCached), `Envoy REST→echo (same generator): ${lat(echo.envoyRest)}`],
    [
      "REST/gRPC throughput ratio",
      fmt(insights.restCached.rps / insights.grpcCached.rps, 2),
      `echo ratio ${fmt(echo.envoyRest.rps / echo.grpc.rps, 2)} (target ≥ 0.5)`,
    ],
    ["Insights, uncached, gRPC (30-day DAY query, 1 client)", lat(insights.grpcUncached), "target p99 ≤ 50 ms"],
  ];
  for (const [what, value, baseline] of rows) console.log(`\n${what}\n  Tally:    ${value}\n  baseline: ${baseline}`);
  mkdirSync(`${ROOT}bench-results`, { recursive: true });
  writeFileSync(
    `${ROOT}bench-results/latest.json`,
    JSON.stringify({ date: new Date().toISOString(), events: EVENTS, seconds: SECONDS, kafka, pgBase, echo, ingest, fresh, insights }, null, 2),
  );
  console.log(`\n(raw figures: bench-results/latest.json)`);
} catch (err) {
  console.error(`✗ bench failed: ${(err as Error).stack ?? err}`);
  process.exitCode = 1;
} finally {
  await stopChildren(children);
  const started = ["envoy", "kafka", "redis", "postgres"].filter((c) => !before.has(c));
  if (started.length > 0) stack("stop", ...started);
}
