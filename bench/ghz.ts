/**
 * gRPC load from ghz (a Go load generator, installed on demand into .stack/bin), so that the Node
 * services are not measured with a Node client competing for the same two cores. The CPU ghz used
 * is read from bash's `times` and reported beside the figures.
 */
import { execFile, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "../scripts/dev/processes.js";
import type { LatencySummary } from "./stats.js";

const stackDir = process.env.TALLY_STACK_DIR ?? `${ROOT}.stack`;
export const GHZ = `${stackDir}/bin/ghz`;
const GHZ_VERSION = "v0.120.0";

export function ensureGhz(): void {
  if (existsSync(GHZ)) return;
  console.log(`installing ghz ${GHZ_VERSION} into ${stackDir}/bin (go install)…`);
  const r = spawnSync("go", ["install", `github.com/bojand/ghz/cmd/ghz@${GHZ_VERSION}`], {
    env: { ...process.env, GOBIN: `${stackDir}/bin` },
    stdio: "inherit",
  });
  if (r.status !== 0) throw new Error("could not install ghz (needs Go and the Go module proxy)");
}

export interface GhzLoad {
  target: string;
  call: string;
  data: object;
  metadata?: Record<string, string>;
  concurrency: number;
  seconds: number;
}

interface GhzReport {
  count: number;
  total: number;
  rps: number;
  latencyDistribution: { percentage: number; latency: number }[] | null;
  statusCodeDistribution: Record<string, number>;
  errorDistribution: Record<string, number> | null;
}

// When -z ends a run, ghz closes its connections under the calls still in flight and counts them
// as Unavailable; those are the generator stopping, not the server failing.
const CUT_AT_END = /use of closed network connection|context canceled|client connection is closing/;

function run(load: GhzLoad, seconds: number): Promise<{ report: GhzReport; cpuSeconds: number }> {
  const out = join(mkdtempSync(join(tmpdir(), "tally-ghz-")), "report.json");
  const args = [
    "--insecure",
    "--protoset",
    `${ROOT}envoy/tally.binpb`,
    "--call",
    load.call,
    "-d",
    JSON.stringify(load.data),
    "-m",
    JSON.stringify(load.metadata ?? {}),
    "-c",
    String(load.concurrency),
    "--connections",
    "4",
    "-z",
    `${seconds}s`,
    "--cpus",
    "1",
    "-O",
    "json",
    load.target,
  ];
  // `times` prints the CPU used by the shell's children (ghz) on its second line.
  const script = 'bin="$1"; out="$2"; shift 2; "$bin" "$@" > "$out" || exit $?; times';
  return new Promise((resolve, reject) => {
    execFile("bash", ["-c", script, "bash", GHZ, out, ...args], (err, stdout) => {
      if (err) return reject(new Error(`ghz failed: ${err.message}`));
      const children = stdout.trim().split("\n")[1] ?? "";
      const cpuSeconds = [...children.matchAll(/(\d+)m([\d.]+)s/g)].reduce((sum, m) => sum + Number(m[1]) * 60 + Number(m[2]), 0);
      resolve({ report: JSON.parse(readFileSync(out, "utf8")) as GhzReport, cpuSeconds });
    });
  });
}

/** One second of warm-up, then the measured run. */
export async function ghzClosedLoop(load: GhzLoad): Promise<LatencySummary> {
  await run(load, 1);
  const { report, cpuSeconds } = await run(load, load.seconds);
  const at = (p: number) => (report.latencyDistribution?.find((d) => d.percentage === p)?.latency ?? NaN) / 1e6;
  const ok = report.statusCodeDistribution.OK ?? 0;
  const cutAtEnd = Object.entries(report.errorDistribution ?? {}).reduce((n, [message, count]) => n + (CUT_AT_END.test(message) ? count : 0), 0);
  const seconds = report.total / 1e9;
  return { requests: ok, seconds, rps: ok / seconds, p50: at(50), p99: at(99), errors: report.count - ok - cutAtEnd, loadGenCpu: cpuSeconds / seconds };
}
