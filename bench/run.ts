/**
 * `npm run bench`: Tally's performance figures beside baselines measured in the same run on the
 * same machine, each DESIGN §4 target with its verdict, written to bench-results/latest.json.
 *
 * The services run compiled (`npm run build` → dist/, plain `node`), as in production. A running
 * stack is reused when its services answer at TALLY_<SERVICE>_ADDR/PORT (then the per-request CPU
 * figures are n/a: the bench knows only the processes it started). Otherwise the bench starts the
 * infrastructure it cannot reach, the four services and a private Envoy of its own, so it can run
 * beside someone's stack when given other ports:
 *   TALLY_{CAMPAIGN,INGESTION,ANALYTICS}_PORT, TALLY_*_METRICS_PORT, TALLY_AGGREGATOR_METRICS_PORT,
 *   TALLY_ENVOY_PORT / TALLY_ENVOY_ADMIN_PORT (default: free ports), TALLY_PG_URL, TALLY_REDIS_URL,
 *   TALLY_REDIS_KEY_PREFIX, TALLY_KAFKA_TOPIC_PREFIX, TALLY_AGGREGATOR_GROUP, TALLY_BENCH_ECHO_PORT.
 * Sizes: TALLY_BENCH_EVENTS (default 500000), TALLY_BENCH_SECONDS per latency phase (default 10).
 * Options: --scale-out (or TALLY_BENCH_SCALE=2): a second ingestion and a second aggregator process
 * (one consumer group; their ports from TALLY_BENCH_SCALE_PORTS="grpc,ingestionMetrics,aggregatorMetrics",
 * default 50062,9472,9474), throughput reported per process. --profile: the analytics, ingestion and
 * aggregator processes run with --cpu-prof into bench-results/profiles/.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createConnection } from "node:net";
import { Redis } from "ioredis";
import { ADDRS, buildDist, ENVOY_URL, ROOT, SERVICES, servicesHealthy, stack, startServices, stopChildren } from "../scripts/dev/processes.js";
import { checkHttp, waitFor } from "../scripts/dev/health.js";
import { stack as stackSettings } from "../test/support/stack.js";
import { startPrivateEnvoy, type PrivateEnvoy } from "../test/support/envoy.js";
import { echoBaselines, kafkaBaseline, pgUpsertBaseline, platformaticKafkaBaseline, type KafkaBaseline } from "./baselines.js";
import { ensureGhz } from "./ghz.js";
import { ensureWrk, wrkClosedLoop, type WrkSummary } from "./wrk.js";
import { fmt, type LatencySummary } from "./stats.js";
import { createTenant, freshness, ingestEndToEnd, insightsLatency, restInsightsUrl } from "./system.js";

const EVENTS = Number(process.env.TALLY_BENCH_EVENTS ?? 500_000);
const SECONDS = Number(process.env.TALLY_BENCH_SECONDS ?? 10);
const CONCURRENCY = 50;
const FLUSH_MS = Number(process.env.TALLY_AGGREGATOR_FLUSH_MS ?? 1000);
const SCALE_OUT = process.argv.includes("--scale-out") || process.env.TALLY_BENCH_SCALE === "2";
const PROFILE = process.argv.includes("--profile");
const [SCALE_GRPC, SCALE_INGEST_METRICS, SCALE_AGG_METRICS] = (process.env.TALLY_BENCH_SCALE_PORTS ?? "50062,9472,9474").split(",").map(Number);
const AGG_METRICS_PORT = Number(process.env.TALLY_AGGREGATOR_METRICS_PORT ?? 9464);
const RESULTS = `${ROOT}bench-results`;

let missing: string[] = [];
let children: ChildProcess[] = [];
let envoy: PrivateEnvoy | undefined;
let floor: ChildProcess | undefined;
const lat = (s: LatencySummary) =>
  `${fmt(s.rps)} req/s, p50 ${fmt(s.p50, 1)} ms, p99 ${fmt(s.p99, 1)} ms, errors ${s.errors}, load generator ${fmt(s.loadGenCpu * 100)}% of a core`;

const kafkaLine = (k: KafkaBaseline) =>
  `${fmt(k.endToEndRate)} msg/s (produce ${fmt(k.produceRate)}/s, consume ${fmt(k.consumeRate)}/s, client CPU ${fmt(k.clientCpuMicrosPerMessage, 1)} µs/msg)`;
const portOf = (addr: string) => Number(addr.split(":").at(-1));
const reachable = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = createConnection({ port, host: "127.0.0.1" }, () => (s.destroy(), resolve(true)));
    s.on("error", () => resolve(false));
  });

/** Seconds of user+system CPU a process has used (/proc/<pid>/stat fields 14 and 15, in clock ticks). */
const CLK_TCK = 100;
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** Runs `load` and returns its result with the CPU each named process used during it. */
async function withCpu<T>(pids: Record<string, number | undefined>, load: () => Promise<T>): Promise<{ result: T; cpu: Record<string, number> }> {
  const known = Object.entries(pids).filter((e): e is [string, number] => e[1] !== undefined);
  const t0 = Object.fromEntries(known.map(([n, pid]) => [n, cpuSeconds(pid)]));
  const result = await load();
  return { result, cpu: Object.fromEntries(known.map(([n, pid]) => [n, cpuSeconds(pid) - t0[n]!])) };
}

/** The pid listening on a local TCP port (ss -ltnp), if any. */
function listenerPid(port: number): number | undefined {
  const r = spawnSync("ss", ["-ltnpH", `sport = :${port}`], { encoding: "utf8" });
  const m = /pid=(\d+)/.exec(r.stdout ?? "");
  return m ? Number(m[1]) : undefined;
}

/** Postgres backends (children of the postmaster listening on `port`): their CPU is the database's work. */
function postgresBackends(port: number): number[] {
  const postmaster = listenerPid(port);
  if (postmaster === undefined) return [];
  const r = spawnSync("pgrep", ["-P", String(postmaster)], { encoding: "utf8" });
  return (r.stdout ?? "").split("\n").filter(Boolean).map(Number);
}

/** CPU seconds of a set of processes; those gone before the end are left out of both ends. */
async function withCpuOfGroup<T>(pids: number[], load: () => Promise<T>): Promise<{ result: T; cpu: number }> {
  const read = (pid: number) => {
    try {
      return cpuSeconds(pid);
    } catch {
      return NaN;
    }
  };
  const t0 = pids.map(read);
  const result = await load();
  const cpu = pids.map((pid, i) => read(pid) - t0[i]!).filter(Number.isFinite);
  return { result, cpu: cpu.reduce((a, b) => a + b, 0) };
}

async function aggregatorApplied(port: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  // Summed over label sets (the registry may add default labels).
  const values = [...text.matchAll(/^tally_aggregator_events_applied_total(?:\{[^}]*\})? (\S+)$/gm)].map((m) => Number(m[1]));
  return values.length > 0 ? values.reduce((a, b) => a + b, 0) : NaN;
}

/** The floor: bench/floor-server.ts on a free port, serving `body` from one Redis key. */
async function startFloor(body: string): Promise<string> {
  const key = `${process.env.TALLY_REDIS_KEY_PREFIX ?? "tally:"}bench:floor`;
  const redis = new Redis(stackSettings.redisUrl);
  await redis.set(key, body, "EX", 3600);
  redis.disconnect();
  floor = spawn(process.execPath, [`${ROOT}bench/floor-server.ts`, "0", stackSettings.redisUrl, key], { stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise<string>((resolve, reject) => {
    floor!.stdout!.once("data", (d: Buffer) => resolve(d.toString().trim()));
    floor!.once("exit", (code) => reject(new Error(`floor server exited with ${code}`)));
  });
  return `http://127.0.0.1:${port}/`;
}

try {
  ensureGhz();
  ensureWrk();
  // Infrastructure: reuse what answers on its port; start (and later stop) only what does not.
  const infra = {
    postgres: Number(new URL(process.env.TALLY_PG_URL ?? stackSettings.pgAdminUrl).port),
    redis: Number(new URL(stackSettings.redisUrl).port),
    kafka: portOf(stackSettings.kafkaBrokers[0]!),
  };
  for (const [name, port] of Object.entries(infra)) if (!(await reachable(port))) missing.push(name);
  if (missing.length > 0) stack("start", ...missing);

  // One credential drives every load: limits far above the load keep the limiter (and its Redis
  // round trip) on the measured path without refusing anything.
  const unthrottled = {
    TALLY_RATE_LIMIT_INGEST_PER_SECOND: "10000000",
    TALLY_RATE_LIMIT_INGEST_BURST: "100000000",
    TALLY_RATE_LIMIT_READ_PER_SECOND: "10000000",
    TALLY_RATE_LIMIT_READ_BURST: "100000000",
  };
  const serviceEnv = { TALLY_LOG_LEVEL: "warn", TALLY_AGGREGATOR_FLUSH_MS: String(FLUSH_MS), ...unthrottled };
  let pids: Record<string, number | undefined> = {};
  let envoyUrl = ENVOY_URL;
  const ingestionAddrs = [ADDRS.ingestion];
  const aggregatorMetricsPorts = [AGG_METRICS_PORT];
  const reused = await servicesHealthy();
  if (reused) {
    console.log(`reusing the services running at ${Object.values(ADDRS).join(", ")} and Envoy at ${ENVOY_URL} (per-request CPU: n/a)`);
    await waitFor("envoy", () => checkHttp(`${ENVOY_URL}/healthz`), 10_000);
  } else {
    buildDist();
    mkdirSync(`${RESULTS}/profiles`, { recursive: true });
    const prof = PROFILE ? ["--cpu-prof", `--cpu-prof-dir=${RESULTS}/profiles`] : [];
    children = await startServices(serviceEnv, { compiled: true, nodeArgs: { analytics: prof, ingestion: prof, aggregator: prof } });
    pids = Object.fromEntries(SERVICES.map((s, i) => [s.name, children[i]!.pid]));
    if (SCALE_OUT) {
      const ingestion2 = { ...SERVICES.find((s) => s.name === "ingestion")!, health: `127.0.0.1:${SCALE_GRPC}` };
      const aggregator2 = SERVICES.find((s) => s.name === "aggregator")!;
      const extra = await startServices(
        {
          ...serviceEnv,
          TALLY_INGESTION_PORT: String(SCALE_GRPC),
          TALLY_INGESTION_METRICS_PORT: String(SCALE_INGEST_METRICS),
          TALLY_AGGREGATOR_METRICS_PORT: String(SCALE_AGG_METRICS),
        },
        { compiled: true, only: [ingestion2, aggregator2], logSuffix: "-2" },
      );
      children.push(...extra);
      ingestionAddrs.push(ingestion2.health);
      aggregatorMetricsPorts.push(SCALE_AGG_METRICS!);
    }
    envoy = await startPrivateEnvoy(
      { campaign: portOf(ADDRS.campaign), ingestion: portOf(ADDRS.ingestion), analytics: portOf(ADDRS.analytics) },
      { listener: Number(process.env.TALLY_ENVOY_PORT ?? 0), admin: Number(process.env.TALLY_ENVOY_ADMIN_PORT ?? 0) },
    );
    envoyUrl = envoy.url;
    pids.envoy = envoy.pid;
  }
  console.log(
    `\nTally bench — ${cpus().length} cores (${cpus()[0]?.model ?? "?"}), ${EVENTS.toLocaleString()} events, ${SECONDS} s per latency phase, ${CONCURRENCY} concurrent clients${SCALE_OUT ? ", scale-out: 2 ingestion + 2 aggregator processes" : ""}`,
  );
  console.log("Everything (Postgres, Redis, Kafka, Envoy, the service processes and the load generators) shares the machine.\n");

  console.log("baselines…");
  const kafka = await kafkaBaseline(stackSettings.kafkaBrokers, EVENTS);
  const kafkaPk = await platformaticKafkaBaseline(stackSettings.kafkaBrokers, EVENTS);
  const pgBase = await pgUpsertBaseline(stackSettings.pgAdminUrl, EVENTS);
  const echo = await echoBaselines(
    process.env.TALLY_ENVOY_BIN ?? `${process.env.TALLY_STACK_DIR ?? `${ROOT}.stack`}/bin/envoy`,
    ADDRS.analytics,
    CONCURRENCY,
    SECONDS,
  );

  console.log("system…");
  const tenant = await createTenant(12);
  const applied0 = await Promise.all(aggregatorMetricsPorts.map((p) => aggregatorApplied(p).catch(() => NaN)));
  // Where the CPU of an ingested event goes: the service processes (when the bench started them),
  // this process (the gRPC client building and sending the batches) and the infrastructure, which
  // others may be using at the same time on a shared machine.
  const infraPids = { kafka: listenerPid(infra.kafka), redis: listenerPid(infra.redis) };
  const pgPids = postgresBackends(infra.postgres);
  const benchCpu0 = process.cpuUsage();
  const childNames = [...SERVICES.map((s) => s.name), "ingestion-2", "aggregator-2"];
  const ingestPids = Object.fromEntries(children.map((c, i) => [childNames[i]!, c.pid]).filter(([n]) => n !== "campaign" && n !== "analytics"));
  const ingestRun = await withCpu({ ...ingestPids, ...infraPids }, () => withCpuOfGroup(pgPids, () => ingestEndToEnd(tenant, EVENTS, ingestionAddrs)));
  const benchCpu = process.cpuUsage(benchCpu0);
  const ingest = ingestRun.result.result;
  const ingestCpuUsPerEvent = Object.fromEntries(
    Object.entries({ ...ingestRun.cpu, "postgres backends": ingestRun.result.cpu, "bench client": (benchCpu.user + benchCpu.system) / 1e6 }).map(([n, sec]) => [
      n,
      (sec / EVENTS) * 1e6,
    ]),
  );
  const applied1 = await Promise.all(aggregatorMetricsPorts.map((p) => aggregatorApplied(p).catch(() => NaN)));
  const perAggregator = applied1.map((a, i) => (a - applied0[i]!) / ingest.visibleSeconds);
  const fresh = await freshness(tenant, 30);
  const insights = await insightsLatency(tenant, CONCURRENCY, SECONDS);

  // Cached REST through Envoy, and the floor, loaded by the same generator (wrk).
  const url = restInsightsUrl(envoyUrl, tenant.campaignIds[0]!);
  const headers = { authorization: `Bearer ${tenant.token}` };
  const res = await fetch(url, { headers });
  const body = await res.text();
  if (res.status !== 200) throw new Error(`REST insights answered ${res.status}: ${body.slice(0, 200)}`);
  const rest = await withCpu({ envoy: pids.envoy, analytics: pids.analytics }, () =>
    wrkClosedLoop({ url, headers, concurrency: CONCURRENCY, seconds: SECONDS }),
  );
  const floorUrl = await startFloor(body);
  const floorRun = await wrkClosedLoop({ url: floorUrl, headers, concurrency: CONCURRENCY, seconds: SECONDS });
  const etag = res.headers.get("etag");
  const revalidated = etag
    ? await withCpu({ envoy: pids.envoy, analytics: pids.analytics }, () =>
        wrkClosedLoop({ url, headers: { ...headers, "if-none-match": etag }, concurrency: CONCURRENCY, seconds: SECONDS }),
      )
    : undefined;
  const cpuPerRequestUs = (run: { result: WrkSummary; cpu: Record<string, number> }) =>
    run.cpu.envoy === undefined ? NaN : ((run.cpu.envoy + (run.cpu.analytics ?? 0)) / run.result.requests) * 1e6;

  const targets = [
    {
      target: "End-to-end ingest ≥ 30,000 events/s",
      figure: ingest.endToEndRate,
      unit: "events/s",
      baseline: kafka.endToEndRate,
      baselineWhat: "raw kafkajs produce→consume msg/s",
      ratio: ingest.endToEndRate / kafka.endToEndRate,
      met: ingest.endToEndRate >= 30_000,
    },
    {
      target: "End-to-end ingest ≥ 0.8× raw Kafka produce→consume",
      figure: ingest.endToEndRate,
      unit: "events/s",
      baseline: kafka.endToEndRate,
      baselineWhat: "raw kafkajs produce→consume msg/s",
      ratio: ingest.endToEndRate / kafka.endToEndRate,
      met: ingest.endToEndRate / kafka.endToEndRate >= 0.8,
    },
    {
      target: "Cached insights via Envoy, 50 clients ≥ 0.5× floor",
      figure: rest.result.rps,
      unit: "req/s",
      baseline: floorRun.rps,
      baselineWhat: "floor: node:http + one Redis GET, same wrk",
      ratio: rest.result.rps / floorRun.rps,
      met: rest.result.rps / floorRun.rps >= 0.5,
    },
    {
      target: "Cached insights via Envoy p99 ≤ 20 ms",
      figure: rest.result.p99,
      unit: "ms",
      baseline: floorRun.p99,
      baselineWhat: "floor p99 ms",
      ratio: rest.result.p99 / floorRun.p99,
      met: rest.result.p99 <= 20,
    },
    {
      target: "Server CPU (Envoy + analytics) ≤ 200 µs per cached request",
      figure: cpuPerRequestUs(rest),
      unit: "µs/request",
      baseline: NaN,
      baselineWhat: "Envoy µs/request + analytics µs/request",
      ratio: NaN,
      met: cpuPerRequestUs(rest) <= 200,
      parts: Object.fromEntries(Object.entries(rest.cpu).map(([n, s]) => [n, (s / rest.result.requests) * 1e6])),
    },
    {
      target: "Freshness p99 ≤ flush + 1 s",
      figure: fresh.p99,
      unit: "ms",
      baseline: FLUSH_MS + 1000,
      baselineWhat: "flush interval + 1000 ms",
      ratio: fresh.p99 / (FLUSH_MS + 1000),
      met: fresh.p99 <= FLUSH_MS + 1000,
    },
    {
      target: "Uncached 30-day DAY p99 ≤ 50 ms",
      figure: insights.grpcUncached.p99,
      unit: "ms",
      baseline: pgBase.rowsPerSecond,
      baselineWhat: "Postgres upsert rows/s",
      ratio: insights.grpcUncached.p99 / 50,
      met: insights.grpcUncached.p99 <= 50,
    },
  ];

  const rows: [string, string, string][] = [
    [
      "End-to-end ingest (gRPC → Kafka → aggregator → Postgres, visible in insights)",
      `${fmt(ingest.endToEndRate)} events/s (acks at ${fmt(ingest.ackRate)}/s)` +
        `\n            CPU per event: ${Object.entries(ingestCpuUsPerEvent)
          .map(([n, us]) => `${n} ${fmt(us, 1)} µs`)
          .join(", ")} (total ${fmt(
          Object.values(ingestCpuUsPerEvent).reduce((a, b) => a + b, 0),
          1,
        )} µs: ${cpus().length} cores allow ${fmt((cpus().length * 1e6) / Object.values(ingestCpuUsPerEvent).reduce((a, b) => a + b, 0))} events/s)` +
        (SCALE_OUT
          ? `\n            per ingestion process: ${ingest.perAddress.map((n, i) => `#${i + 1} ${fmt(n / ingest.ackSeconds)}/s`).join(", ")}` +
            `\n            per aggregator process: ${perAggregator.map((r, i) => `#${i + 1} ${fmt(r)}/s`).join(", ")}`
          : ""),
      `raw kafkajs produce→consume ${kafkaLine(kafka)} → ratio ${fmt(ingest.endToEndRate / kafka.endToEndRate, 2)}` +
        `\n            raw @platformatic/kafka produce→consume ${kafkaPk ? kafkaLine(kafkaPk) : "n/a (not installed)"}` +
        `\n            Postgres upsert ${fmt(pgBase.rowsPerSecond)} rows/s`,
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
    [
      `Insights, cached, REST via Envoy (30-day DAY, ${body.length} B JSON; load: wrk)`,
      `${lat(rest.result)}\n            server CPU ${fmt(cpuPerRequestUs(rest))} µs/request (${Object.entries(rest.cpu)
        .map(([n, s]) => `${n} ${fmt((s / rest.result.requests) * 1e6)}`)
        .join(" + ")})`,
      `floor (node:http + one Redis GET of the same ${body.length} B; wrk): ${lat(floorRun)} → ratio ${fmt(rest.result.rps / floorRun.rps, 2)}`,
    ],
    ...(revalidated
      ? [
          [
            "Insights, revalidated REST via Envoy (If-None-Match → 304; load: wrk)",
            `${lat(revalidated.result)}, server CPU ${fmt(cpuPerRequestUs(revalidated))} µs/request, statuses ${JSON.stringify(revalidated.result.statuses)}`,
            `floor ratio ${fmt(revalidated.result.rps / floorRun.rps, 2)}`,
          ] as [string, string, string],
        ]
      : []),
    ["Envoy REST→echo (Health/Check transcoded; load: wrk)", lat(echo.envoyRest), `grpc-js echo ratio ${fmt(echo.envoyRest.rps / echo.grpc.rps, 2)}`],
    ["Insights, uncached, gRPC (30-day DAY query, a new data generation before each request, 1 client)", lat(insights.grpcUncached), "target p99 ≤ 50 ms"],
  ];
  for (const [what, value, baseline] of rows) console.log(`\n${what}\n  Tally:    ${value}\n  baseline: ${baseline}`);
  console.log("\nTargets (DESIGN §4):");
  for (const t of targets)
    console.log(
      `  ${t.met ? "✓" : "✗"} ${t.target}: ${fmt(t.figure, 1)} ${t.unit}${Number.isFinite(t.ratio) ? ` (ratio ${fmt(t.ratio, 2)} to ${t.baselineWhat} ${fmt(t.baseline, 1)})` : ""}`,
    );
  mkdirSync(RESULTS, { recursive: true });
  const out = `${RESULTS}/${SCALE_OUT ? "latest-scale-out" : "latest"}.json`;
  writeFileSync(
    out,
    JSON.stringify(
      {
        date: new Date().toISOString(),
        events: EVENTS,
        seconds: SECONDS,
        scaleOut: SCALE_OUT,
        reusedStack: reused,
        targets,
        kafka,
        kafkaPlatformatic: kafkaPk,
        pgBase,
        echo,
        ingest: { ...ingest, perAggregator, cpuMicrosecondsPerEvent: ingestCpuUsPerEvent },
        fresh,
        insights: {
          ...insights,
          restCached: rest.result,
          restCpuSeconds: rest.cpu,
          floor: floorRun,
          revalidated: revalidated && { ...revalidated.result, cpu: revalidated.cpu },
        },
      },
      null,
      2,
    ),
  );
  console.log(`\n(raw figures: ${out.slice(ROOT.length)})`);
} catch (err) {
  console.error(`✗ bench failed: ${(err as Error).stack ?? err}`);
  process.exitCode = 1;
} finally {
  floor?.kill("SIGTERM");
  await envoy?.stop();
  await stopChildren(children);
  if (missing.length > 0) stack("stop", ...missing.reverse());
}
