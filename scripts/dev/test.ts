/**
 * `npm test`: every check and every test tier against the real stack.
 *   1. contracts: gen/ is fresh, buf lint, buf breaking (against the previous commit); the built
 *      dashboard (dashboard/public/) is fresh; deploy/k8s and docker-compose.yml validate offline
 *      (scripts/dev/check-deploy.sh)
 *   2. typecheck (services and the dashboard), formatting (Prettier), and the layering rule (domain
 *      code imports no generated code and no I/O library)
 *   3. infrastructure (installed if missing) and the services + Envoy — reused when already running
 *   4. one `node --test` run over unit, service and e2e tests
 *   5. stop only what step 3 started
 */
import { spawnSync, type ChildProcess } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { DEVELOPMENT_MODE, ROOT, runningComponents, servicesHealthy, stack, startEnvoy, startServices, stopChildren } from "./processes.js";

function run(what: string, cmd: string, args: string[]): void {
  console.log(`▶ ${what}`);
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: "inherit", env: { ...process.env, PATH: `${ROOT}node_modules/.bin:${process.env.PATH}` } });
  if (r.status !== 0) throw new Error(`${what} failed`);
}

function testFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name.startsWith(".")) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...testFiles(path));
    else if (name.endsWith(".test.ts")) out.push(relative(ROOT, path));
  }
  return out.sort();
}

function hasPreviousCommit(): boolean {
  return spawnSync("git", ["rev-parse", "--verify", "-q", "HEAD~1"], { cwd: ROOT }).status === 0;
}

const before = runningComponents();
let children: ChildProcess[] = [];
let exitCode = 1;
try {
  run("gen/ is fresh", "bash", ["scripts/dev/check-gen.sh"]);
  run("buf lint", "buf", ["lint"]);
  if (hasPreviousCommit()) run("buf breaking (WIRE_JSON, against HEAD~1)", "buf", ["breaking", "--against", ".git#ref=HEAD~1"]);
  run("dashboard/public/ is fresh", process.execPath, ["--import", "tsx", "scripts/dev/build-dashboard.ts", "--check"]);
  run("deployment files (kustomize, kubeconform, compose schema)", "bash", ["scripts/dev/check-deploy.sh"]);
  run("typecheck", "tsc", ["--noEmit", "-p", "."]);
  run("typecheck (dashboard, browser code)", "tsc", ["--noEmit", "-p", "dashboard"]);
  run("formatting (prettier --check)", "prettier", ["--check", "--log-level", "warn", "**/*.ts"]);
  run("layering: domain imports no generated code, rpc/, store/, client or I/O module", process.execPath, ["--import", "tsx", "scripts/dev/check-layering.ts"]);
  console.log("▶ infrastructure");
  stack("start", "postgres", "redis", "kafka");
  if (!(await servicesHealthy())) {
    console.log("▶ services");
    children = await startServices({ TALLY_LOG_LEVEL: process.env.TALLY_LOG_LEVEL ?? "info", TALLY_AGGREGATOR_FLUSH_MS: "200" });
  } else {
    console.log("▶ services: reusing the running ones");
  }
  await startEnvoy();
  const files = ["services", "scripts", "test"].flatMap((dir) => testFiles(join(ROOT, dir)));
  console.log(`▶ ${files.length} test files`);
  const r = spawnSync(process.execPath, ["--import", "tsx", "--test", "--test-concurrency=2", "--test-reporter=spec", ...files], {
    cwd: ROOT,
    stdio: "inherit",
    env: { ...process.env, ...DEVELOPMENT_MODE },
  });
  exitCode = r.status ?? 1;
} catch (err) {
  console.error(`✗ ${(err as Error).message}`);
} finally {
  await stopChildren(children);
  const started = ["envoy", "kafka", "redis", "postgres"].filter((c) => !before.has(c));
  if (started.length > 0) stack("stop", ...started);
}
process.exit(exitCode);
