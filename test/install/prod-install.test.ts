/**
 * Production runs compiled JavaScript with plain `node` on an install without devDependencies (the
 * Dockerfile's runtime stage). This test does the same in a temporary folder — `npm run build`'s
 * output, package.json, package-lock.json, `npm ci --omit=dev` — and starts every entrypoint that
 * docker-compose.yml runs. Each one stops at its config check, with a ConfigError: ES modules link
 * and evaluate the whole static import graph before a module's own first statement runs, so
 * reaching loadConfig proves that every module it imports resolves. A runtime dependency left in
 * devDependencies fails here with ERR_MODULE_NOT_FOUND, as it failed in the image.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { ROOT } from "../../scripts/dev/processes.js";

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), "tally-prod-install-"));

/** An environment without the caller's TALLY_* and npm_* settings (npm test's own config must not leak into npm ci). */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("TALLY_") && !k.toLowerCase().startsWith("npm_")));
  return { ...env, ...extra };
}

/** Runs an entrypoint of the install; resolves to its exit code and stderr whatever the code. */
async function runEntry(entry: string, env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  try {
    const r = await run(process.execPath, [entry], { cwd: dir, env: cleanEnv(env), timeout: 30_000 });
    return { code: 0, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number | string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : -1, stderr: e.stderr ?? String(err) };
  }
}

// What each production entrypoint says when started without its required settings. The demo has
// no config of its own: it dials the campaign service (a closed port here) and fails at that call.
const SECRET_REQUIRED = /ConfigError: invalid configuration:\n {2}- TALLY_JWT_SECRET is required/;
const EXPECTED_FAILURE: Record<string, RegExp> = {
  "dist/services/campaign/src/main.js": SECRET_REQUIRED,
  "dist/services/ingestion/src/main.js": SECRET_REQUIRED,
  "dist/services/analytics/src/main.js": SECRET_REQUIRED,
  "dist/services/analytics/src/aggregator/main.js": SECRET_REQUIRED,
  "dist/scripts/dev/demo-main.js": /14 UNAVAILABLE/,
  // The compose health check, started without its arguments.
  "dist/scripts/dev/healthcheck.js": /usage: healthcheck grpc HOST:PORT/,
};

/** The `node dist/….js` commands of docker-compose.yml and the Dockerfile's default command. */
function productionEntrypoints(): string[] {
  const files = [readFileSync(join(ROOT, "docker-compose.yml"), "utf8"), readFileSync(join(ROOT, "Dockerfile"), "utf8")];
  const entries = files.flatMap((text) => [...text.matchAll(/"node",\s*(?:"--[^"]*",\s*)*"(dist\/[^"]+\.js)"/g)].map((m) => m[1]!));
  return [...new Set(entries)].sort();
}

describe("production install (npm ci --omit=dev, compiled JavaScript)", { timeout: 180_000 }, () => {
  before(async () => {
    await run("bash", [join(ROOT, "scripts/dev/build.sh"), join(dir, "dist")], { cwd: ROOT });
    copyFileSync(join(ROOT, "package.json"), join(dir, "package.json"));
    copyFileSync(join(ROOT, "package-lock.json"), join(dir, "package-lock.json"));
    // --prefer-offline: the packages are in npm's cache already after the development install.
    await run("npm", ["ci", "--omit=dev", "--ignore-scripts", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"], {
      cwd: dir,
      env: cleanEnv(),
    });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("leaves out the development tools", async () => {
    const { stdout } = await run("npm", ["ls", "--omit=dev", "--depth=0", "--parseable"], { cwd: dir, env: cleanEnv() });
    const installed = stdout
      .trim()
      .split("\n")
      .slice(1)
      .map((p) => p.slice(join(dir, "node_modules").length + 1));
    for (const devTool of ["typescript", "tsx", "ts-proto", "@bufbuild/buf"]) assert.ok(!installed.includes(devTool), devTool);
    assert.ok(installed.includes("@bufbuild/protobuf"), "gen/ imports @bufbuild/protobuf at run time");
  });

  it("docker-compose.yml and the Dockerfile run exactly the entrypoints checked here", () => {
    assert.deepEqual(productionEntrypoints(), Object.keys(EXPECTED_FAILURE).sort());
  });

  describe("every entrypoint loads all its modules and stops at its first check", { concurrency: true }, () => {
    for (const [entry, expected] of Object.entries(EXPECTED_FAILURE)) {
      it(entry, async () => {
        const r = await runEntry(entry, { TALLY_CAMPAIGN_ADDR: "127.0.0.1:1" });
        assert.doesNotMatch(r.stderr, /ERR_MODULE_NOT_FOUND|Cannot find (module|package)/);
        assert.match(r.stderr, expected);
        assert.equal(r.code, 1);
      });
    }
    // demo-main.js imports the simulator only once the demo is seeded; started alone, it stops at its config.
    it("dist/services/ingestion/src/connectors/simulator/simulator-main.js", async () => {
      const r = await runEntry("dist/services/ingestion/src/connectors/simulator/simulator-main.js", {});
      assert.doesNotMatch(r.stderr, /ERR_MODULE_NOT_FOUND|Cannot find (module|package)/);
      assert.match(r.stderr, /ConfigError: invalid configuration:\n {2}- TALLY_SIM_TOKEN is required/);
      assert.equal(r.code, 1);
    });
  });

  it("finds the descriptor set that server reflection reads from disk", async () => {
    const check = `
      import { fileURLToPath } from "node:url";
      import { createGrpcServer, DESCRIPTOR_SET_PATH } from "./dist/services/common/src/grpc-server.js";
      import { createLogger } from "./dist/services/common/src/logger.js";
      createGrpcServer({ logger: createLogger("install-check", "silent"), services: [] });
      console.log(fileURLToPath(DESCRIPTOR_SET_PATH));`;
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", check], { cwd: dir, env: cleanEnv() });
    assert.equal(stdout.trim(), join(dir, "dist/envoy/tally.binpb"));
  });
});
