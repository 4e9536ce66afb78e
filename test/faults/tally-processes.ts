/**
 * The four Tally processes of one fault run, each a child process that can be killed with SIGKILL
 * and started again on the same ports (services reach each other by address, so a restarted
 * process must come back where it was). Like scripts/dev/processes.ts, but one process at a time,
 * with this run's own database, topics, Redis keys and consumer group on whatever stack the
 * environment names.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdirSync, type WriteStream } from "node:fs";
import { createServer } from "node:net";
import { checkGrpcHealth, waitFor } from "../../scripts/dev/health.js";
import { DEVELOPMENT_MODE, ROOT, SERVICES } from "../../scripts/dev/processes.js";

export type ProcessName = "campaign" | "ingestion" | "analytics" | "aggregator";

/** A free TCP port on 127.0.0.1 (released again before the process binds it; collisions are unlikely). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface TallyPorts {
  campaign: number;
  ingestion: number;
  analytics: number;
  metrics: Record<ProcessName, number>;
}

export async function allocatePorts(): Promise<TallyPorts> {
  const p = () => freePort();
  return {
    campaign: await p(),
    ingestion: await p(),
    analytics: await p(),
    metrics: { campaign: await p(), ingestion: await p(), analytics: await p(), aggregator: await p() },
  };
}

/** The environment every process of the run shares: addresses, ports, prefixes, the database. */
export function runEnvironment(ports: TallyPorts, infra: { pgUrl: string; redisUrl: string; kafkaBrokers: string }, id: string, extra: NodeJS.ProcessEnv) {
  return {
    ...DEVELOPMENT_MODE,
    TALLY_LOG_LEVEL: process.env.TALLY_FAULTS_LOG ?? "warn",
    TALLY_PG_URL: infra.pgUrl,
    TALLY_REDIS_URL: infra.redisUrl,
    TALLY_KAFKA_BROKERS: infra.kafkaBrokers,
    TALLY_KAFKA_TOPIC_PREFIX: `${id}.`,
    TALLY_REDIS_KEY_PREFIX: `${id}:`,
    TALLY_AGGREGATOR_GROUP: `${id}-aggregator`,
    TALLY_CAMPAIGN_HOST: "127.0.0.1",
    TALLY_INGESTION_HOST: "127.0.0.1",
    TALLY_ANALYTICS_HOST: "127.0.0.1",
    TALLY_CAMPAIGN_PORT: String(ports.campaign),
    TALLY_INGESTION_PORT: String(ports.ingestion),
    TALLY_ANALYTICS_PORT: String(ports.analytics),
    TALLY_CAMPAIGN_ADDR: `127.0.0.1:${ports.campaign}`,
    TALLY_INGESTION_ADDR: `127.0.0.1:${ports.ingestion}`,
    TALLY_ANALYTICS_ADDR: `127.0.0.1:${ports.analytics}`,
    TALLY_CAMPAIGN_METRICS_PORT: String(ports.metrics.campaign),
    TALLY_INGESTION_METRICS_PORT: String(ports.metrics.ingestion),
    TALLY_ANALYTICS_METRICS_PORT: String(ports.metrics.analytics),
    TALLY_AGGREGATOR_METRICS_PORT: String(ports.metrics.aggregator),
    ...extra,
  };
}

/** One Tally process: start (waits for SERVING), kill -9, stop (SIGTERM). */
export class TallyProcess {
  private child: ChildProcess | null = null;
  private readonly log: WriteStream;
  /** Exits nobody asked for (a crash), with their code. */
  readonly unexpectedExits: string[] = [];

  constructor(
    readonly name: ProcessName,
    private readonly env: NodeJS.ProcessEnv,
    private readonly healthAddress: string | null,
    logDir: string,
  ) {
    mkdirSync(logDir, { recursive: true });
    this.log = createWriteStream(`${logDir}/${name}.log`, { flags: "a" });
  }

  async start(timeoutMs = 60_000): Promise<void> {
    const entry = SERVICES.find((s) => s.name === this.name)!.entry;
    const child = spawn(process.execPath, ["--max-old-space-size=256", "--import", "tsx", entry], {
      cwd: ROOT,
      env: { ...process.env, ...this.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout!.pipe(this.log, { end: false });
    child.stderr!.pipe(this.log, { end: false });
    child.once("exit", (code, signal) => {
      if (this.child === child && signal === null) this.unexpectedExits.push(`${this.name} exited with code ${code}`);
    });
    this.child = child;
    if (this.healthAddress) await waitFor(`${this.name} (${this.healthAddress})`, () => checkGrpcHealth(this.healthAddress!), timeoutMs);
  }

  /** SIGKILL: no shutdown hook runs, in-flight work is cut where it stands. */
  async kill9(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    const force = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.kill("SIGTERM");
    await exited;
    clearTimeout(force);
  }

  close(): void {
    this.log.end();
  }
}
