/**
 * A private Envoy running envoy/envoy.yaml, for edge tests that need upstreams the shared stack
 * cannot offer (e.g. every service down). Rendered like scripts/stack/stack.sh renders it; the
 * listener and admin bind port 0, so it never collides with anyone's stack.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

export interface PrivateEnvoy {
  url: string;
  /** Envoy's process id (the bench reads its CPU time from /proc). */
  pid: number;
  stop(): Promise<void>;
}

/** The envoy binary: $TALLY_ENVOY_BIN, else the stack's own (installed on first use). */
function envoyBin(): string {
  if (process.env.TALLY_ENVOY_BIN) return process.env.TALLY_ENVOY_BIN;
  const r = spawnSync("bash", [`${ROOT}scripts/stack/stack.sh`, "envoy-path"], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`stack.sh envoy-path failed: ${r.stderr}`);
  return r.stdout.trim();
}

/** A local port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Same substitution as stack.sh's render_envoy_config: an unset placeholder is an error. */
export function renderEnvoyConfig(vars: Record<string, string | number>): string {
  return readFileSync(`${ROOT}envoy/envoy.yaml`, "utf8").replace(/\$\{(TALLY_[A-Z0-9_]+)\}/g, (_, name: string) => {
    if (vars[name] === undefined) throw new Error(`unset variable ${name} in envoy config`);
    return String(vars[name]);
  });
}

/** `ports` default to 0 (any free port); the bench passes its own so that Envoy sits where it is told. */
export async function startPrivateEnvoy(
  upstreams: { campaign: number; ingestion: number; analytics: number },
  ports: { listener?: number; admin?: number } = {},
): Promise<PrivateEnvoy> {
  const dir = mkdtempSync(join(tmpdir(), "tally-edge-"));
  const config = join(dir, "envoy.yaml");
  const adminPath = join(dir, "admin-address");
  writeFileSync(
    config,
    renderEnvoyConfig({
      TALLY_ENVOY_PORT: ports.listener ?? 0,
      TALLY_ENVOY_ADMIN_PORT: ports.admin ?? 0,
      TALLY_CAMPAIGN_PORT: upstreams.campaign,
      TALLY_INGESTION_PORT: upstreams.ingestion,
      TALLY_ANALYTICS_PORT: upstreams.analytics,
    }),
  );
  const baseId = 20_000 + Math.floor(Math.random() * 40_000);
  const envoy = spawn(envoyBin(), ["-c", config, "--disable-hot-restart", "--base-id", String(baseId), "--admin-address-path", adminPath, "-l", "error"], {
    cwd: ROOT,
    stdio: "ignore",
  });
  const stop = async () => {
    if (envoy.exitCode === null && envoy.signalCode === null) {
      const exited = new Promise((resolve) => envoy.once("exit", resolve));
      envoy.kill("SIGTERM");
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      if (envoy.exitCode !== null) throw new Error(`envoy exited with code ${envoy.exitCode}`);
      try {
        const admin = readFileSync(adminPath, "utf8").trim();
        const res = await fetch(`http://${admin}/listeners?format=json`);
        const listeners = (await res.json()) as { listener_statuses: { name: string; local_address: { socket_address: { port_value: number } } }[] };
        const edge = listeners.listener_statuses.find((l) => l.name === "edge");
        const port = edge?.local_address.socket_address.port_value;
        if (port) return { url: `http://127.0.0.1:${port}`, pid: envoy.pid!, stop };
      } catch {
        // Not up yet.
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error("private envoy did not come up within 20 s");
  } catch (err) {
    await stop();
    throw err;
  }
}
