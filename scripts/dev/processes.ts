/**
 * The processes of a local Tally: infrastructure via scripts/stack/stack.sh, the services as child
 * processes (logs in .stack/logs/<name>.log), Envoy last. Used by `npm start` and `npm test`.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { checkGrpcHealth, checkHttp, waitFor } from "./health.js";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const LOG_DIR = `${process.env.TALLY_STACK_DIR ?? `${ROOT}.stack`}/logs`;

export const ADDRS = {
  campaign: process.env.TALLY_CAMPAIGN_ADDR ?? "127.0.0.1:50051",
  ingestion: process.env.TALLY_INGESTION_ADDR ?? "127.0.0.1:50052",
  analytics: process.env.TALLY_ANALYTICS_ADDR ?? "127.0.0.1:50053",
};
export const ENVOY_URL = process.env.TALLY_ENVOY_URL ?? "http://127.0.0.1:8080";

interface ServiceSpec {
  name: string;
  entry: string;
  /** gRPC address to health-check; the aggregator has none. */
  health?: string;
}

export const SERVICES: ServiceSpec[] = [
  { name: "campaign", entry: "services/campaign/src/main.ts", health: ADDRS.campaign },
  { name: "ingestion", entry: "services/ingestion/src/main.ts", health: ADDRS.ingestion },
  { name: "analytics", entry: "services/analytics/src/main.ts", health: ADDRS.analytics },
  { name: "aggregator", entry: "services/analytics/src/aggregator/main.ts" },
];

/** Runs scripts/stack/stack.sh with inherited output; throws on failure. */
export function stack(...args: string[]): void {
  const r = spawnSync("bash", [`${ROOT}scripts/stack/stack.sh`, ...args], { stdio: "inherit" });
  if (r.status !== 0) throw new Error(`scripts/stack/stack.sh ${args.join(" ")} failed (exit ${r.status})`);
}

/** Which infrastructure components are running now, per `stack.sh status`. */
export function runningComponents(): Set<string> {
  const r = spawnSync("bash", [`${ROOT}scripts/stack/stack.sh`, "status"], { encoding: "utf8" });
  const running = new Set<string>();
  for (const line of `${r.stdout}${r.stderr}`.split("\n")) {
    const m = /^(\w+)\s+running/.exec(line.trim());
    if (m) running.add(m[1]!);
  }
  return running;
}

export async function servicesHealthy(): Promise<boolean> {
  const checks = await Promise.all(SERVICES.filter((s) => s.health).map((s) => checkGrpcHealth(s.health!)));
  return checks.every(Boolean);
}

/**
 * A local Tally is a development stack: it runs with the development secret that the repository
 * publishes, which the services accept only when told so (services/common/src/signing-secret.ts).
 */
export const DEVELOPMENT_MODE = { TALLY_MODE: "development" } as const;

/**
 * Spawns one node process per service (heap kept small), in development mode, and waits until
 * each gRPC server is SERVING.
 */
export async function startServices(env: NodeJS.ProcessEnv = {}): Promise<ChildProcess[]> {
  mkdirSync(LOG_DIR, { recursive: true });
  const children: ChildProcess[] = [];
  for (const s of SERVICES) {
    const log = createWriteStream(`${LOG_DIR}/${s.name}.log`, { flags: "a" });
    const child = spawn(process.execPath, ["--max-old-space-size=256", "--import", "tsx", s.entry], {
      cwd: ROOT,
      env: { ...process.env, ...DEVELOPMENT_MODE, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    child.once("exit", (code, signal) => {
      if (code !== 0 && signal === null) console.error(`✗ ${s.name} exited with code ${code}; see ${LOG_DIR}/${s.name}.log`);
    });
    children.push(child);
  }
  for (const s of SERVICES) {
    if (s.health) await waitFor(`${s.name} (${s.health})`, () => checkGrpcHealth(s.health!), 60_000);
  }
  return children;
}

export async function startEnvoy(): Promise<void> {
  stack("start", "envoy");
  await waitFor("envoy", () => checkHttp(`${ENVOY_URL}/healthz`), 30_000);
}

/** SIGTERM each child (graceful shutdown), then SIGKILL whatever is still there after 20 s. */
export async function stopChildren(children: ChildProcess[]): Promise<void> {
  await Promise.all(
    [...children].reverse().map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const kill = setTimeout(() => child.kill("SIGKILL"), 20_000);
          child.once("exit", () => {
            clearTimeout(kill);
            resolve();
          });
          child.kill("SIGTERM");
        }),
    ),
  );
}
