/**
 * The processes of a local Tally: infrastructure via scripts/stack/stack.sh, the services as child
 * processes (logs in .stack/logs/<name>.log), Envoy last. Used by `npm start`, `npm test` and
 * `npm run bench`. `npm start` and the bench run the compiled build (dist/, plain `node`, as in
 * production); `npm test` runs the TypeScript through tsx so that an edit needs no build step.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { checkGrpcHealth, checkHttp, waitFor } from "./health.js";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const LOG_DIR = `${process.env.TALLY_STACK_DIR ?? `${ROOT}.stack`}/logs`;

// TALLY_<SERVICE>_ADDR, else the service's own TALLY_<SERVICE>_PORT on this host: a stack started
// with other ports (e.g. a bench beside someone's stack) is found where its services listen.
const env = process.env;
export const ADDRS = {
  campaign: env.TALLY_CAMPAIGN_ADDR ?? `127.0.0.1:${env.TALLY_CAMPAIGN_PORT ?? 50051}`,
  ingestion: env.TALLY_INGESTION_ADDR ?? `127.0.0.1:${env.TALLY_INGESTION_PORT ?? 50052}`,
  analytics: env.TALLY_ANALYTICS_ADDR ?? `127.0.0.1:${env.TALLY_ANALYTICS_PORT ?? 50053}`,
};
export const ENVOY_URL = env.TALLY_ENVOY_URL ?? `http://127.0.0.1:${env.TALLY_ENVOY_PORT ?? 8080}`;

export interface ServiceSpec {
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

/** The compiled entry of a service: `npm run build` mirrors the repository layout under dist/. */
export const compiledEntry = (entry: string): string => `dist/${entry.replace(/\.ts$/, ".js")}`;

/** Builds dist/ (scripts/dev/build.sh) for the compiled mode; throws on failure. */
export function buildDist(): void {
  const r = spawnSync("bash", [`${ROOT}scripts/dev/build.sh`], { stdio: "inherit" });
  if (r.status !== 0) throw new Error(`npm run build failed (exit ${r.status})`);
}

export interface StartOptions {
  /** Run dist/ with plain `node` (call buildDist() first) instead of the sources through tsx. */
  compiled?: boolean;
  /** Extra node flags, e.g. --cpu-prof for one service. */
  nodeArgs?: Partial<Record<string, string[]>>;
  /** The services to start (default: all four). */
  only?: ServiceSpec[];
  /** Log file suffix, to tell several processes of one service apart. */
  logSuffix?: string;
}

/**
 * Spawns one node process per service (heap kept small), in development mode, and waits until
 * each gRPC server is SERVING.
 */
export async function startServices(env: NodeJS.ProcessEnv = {}, options: StartOptions = {}): Promise<ChildProcess[]> {
  mkdirSync(LOG_DIR, { recursive: true });
  const children: ChildProcess[] = [];
  const specs = options.only ?? SERVICES;
  for (const s of specs) {
    const log = createWriteStream(`${LOG_DIR}/${s.name}${options.logSuffix ?? ""}.log`, { flags: "a" });
    const run = options.compiled ? [compiledEntry(s.entry)] : ["--import", "tsx", s.entry];
    const child = spawn(process.execPath, ["--max-old-space-size=256", ...(options.nodeArgs?.[s.name] ?? []), ...run], {
      cwd: ROOT,
      // The services find each other where this stack put them (ADDRS follows TALLY_*_PORT).
      env: {
        ...process.env,
        ...DEVELOPMENT_MODE,
        TALLY_CAMPAIGN_ADDR: ADDRS.campaign,
        TALLY_INGESTION_ADDR: ADDRS.ingestion,
        TALLY_ANALYTICS_ADDR: ADDRS.analytics,
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    child.once("exit", (code, signal) => {
      if (code !== 0 && signal === null) console.error(`✗ ${s.name} exited with code ${code}; see ${LOG_DIR}/${s.name}.log`);
    });
    children.push(child);
  }
  try {
    for (const s of specs) {
      if (s.health) await waitFor(`${s.name} (${s.health})`, () => checkGrpcHealth(s.health!), 60_000);
    }
  } catch (err) {
    // The caller never gets these children: stop them here rather than leave them running.
    await stopChildren(children);
    throw err;
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
