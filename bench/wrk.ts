/**
 * REST load from wrk (a C load generator, Debian package `wrk`, installed on demand like ghz), so
 * that Tally's REST door and the floor baseline are loaded by the same generator, and that
 * generator costs little of the two cores. One wrk thread keeps it to one core at most; its CPU is
 * read from bash's `times` and reported beside the figures.
 */
import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LatencySummary } from "./stats.js";

export function ensureWrk(): void {
  if (spawnSync("wrk", ["--version"]).error === undefined) return;
  console.log("installing wrk (apt-get install -y wrk)…");
  const r = spawnSync("bash", ["-c", "apt-get install -y wrk || (apt-get update && apt-get install -y wrk)"], { stdio: "inherit" });
  if (r.status !== 0) throw new Error("could not install wrk (needs the Debian package `wrk`)");
}

export interface WrkLoad {
  url: string;
  headers?: Record<string, string>;
  /** POST this body instead of GET. */
  postBody?: string;
  concurrency: number;
  seconds: number;
}

export interface WrkSummary extends LatencySummary {
  /** Responses by HTTP status. wrk counts a status ≥ 400 as an error; so do we. */
  statuses: Record<string, number>;
}

// wrk's done() hook writes the figures as JSON. response() counts statuses in the thread's own Lua
// state; done() runs in the main state and reads them through the thread object.
const SCRIPT = `
local threads = {}
setup = function(thread) table.insert(threads, thread) end
statuses = {}
response = function(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
done = function(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for code, n in pairs(thread:get("statuses") or {}) do total[code] = (total[code] or 0) + n end
  end
  local s = "{"
  for code, n in pairs(total) do s = s .. string.format('"%d":%d,', code, n) end
  s = s:gsub(",$", "") .. "}"
  local f = io.open(os.getenv("WRK_OUT"), "w")
  f:write(string.format('{"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"errors":%d,"statuses":%s}',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout, s))
  f:close()
end
`;

function run(load: WrkLoad, seconds: number): Promise<WrkSummary> {
  const dir = mkdtempSync(join(tmpdir(), "tally-wrk-"));
  const post =
    load.postBody === undefined ? "" : `wrk.method = "POST"\nwrk.body = ${JSON.stringify(load.postBody)}\nwrk.headers["content-type"] = "application/json"\n`;
  writeFileSync(join(dir, "report.lua"), post + SCRIPT);
  const out = join(dir, "report.json");
  const args = ["-t1", `-c${load.concurrency}`, `-d${seconds}s`, "--timeout", "10s", "-s", join(dir, "report.lua")];
  for (const [k, v] of Object.entries(load.headers ?? {})) args.push("-H", `${k}: ${v}`);
  args.push(load.url);
  const script = '"$@" > /dev/null || exit $?; times';
  return new Promise((resolve, reject) => {
    execFile("bash", ["-c", script, "bash", "wrk", ...args], { env: { ...process.env, WRK_OUT: out } }, (err, stdout) => {
      if (err) return reject(new Error(`wrk failed: ${err.message}`));
      const children = stdout.trim().split("\n")[1] ?? "";
      const cpuSeconds = [...children.matchAll(/(\d+)m([\d.]+)s/g)].reduce((sum, m) => sum + Number(m[1]) * 60 + Number(m[2]), 0);
      const r = JSON.parse(readFileSync(out, "utf8")) as {
        requests: number;
        duration_us: number;
        p50_us: number;
        p99_us: number;
        errors: number;
        statuses: Record<string, number>;
      };
      const elapsed = r.duration_us / 1e6;
      const ok = r.requests - r.errors;
      resolve({
        requests: ok,
        seconds: elapsed,
        rps: ok / elapsed,
        p50: r.p50_us / 1000,
        p99: r.p99_us / 1000,
        errors: r.errors,
        loadGenCpu: cpuSeconds / elapsed,
        statuses: r.statuses,
      });
    });
  });
}

/** One second of warm-up, then the measured run. */
export async function wrkClosedLoop(load: WrkLoad): Promise<WrkSummary> {
  await run(load, 1);
  return run(load, load.seconds);
}
