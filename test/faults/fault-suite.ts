/**
 * The fault suite (issue 9): steady ingest with a ledger of acknowledged events while, in turn,
 * each Tally process is killed with SIGKILL and started again, Kafka and PostgreSQL are
 * restarted and Redis is away for 10 s. Each fault gets its own campaign; afterwards its insights
 * totals must equal its ledger exactly, and raw_events tells which events were lost or counted
 * twice. Used by run-faults.ts (`npm run test:faults`, every fault) and faults.test.ts (the short
 * form in `npm test`: process kills only, on the shared stack).
 */
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { credentials, Metadata, type Client, type ServiceError } from "@grpc/grpc-js";
import pg from "pg";
import { AnalyticsServiceClient, GetCampaignInsightsRequest, Granularity, type GetCampaignInsightsResponse } from "#gen/tally/analytics/v1/analytics.js";
import { Campaign, CampaignType } from "#gen/tally/campaign/v1/campaign.js";
import { CampaignServiceClient } from "#gen/tally/campaign/v1/campaign_service.js";
import { IdentityServiceClient } from "#gen/tally/identity/v1/identity.js";
import { IngestionServiceClient } from "#gen/tally/ingestion/v1/ingestion.js";
import { LOG_DIR, ROOT } from "../../scripts/dev/processes.js";
import { call } from "../support/grpc.js";
import { createTestDatabase, stack, uniqueName } from "../support/stack.js";
import { GapMeter, IngestLedger } from "./ingest-ledger.js";
import { allocatePorts, runEnvironment, TallyProcess, type ProcessName } from "./tally-processes.js";

export const PROCESS_FAULTS = ["kill -9 campaign", "kill -9 ingestion", "kill -9 analytics", "kill -9 aggregator"] as const;
export const INFRA_FAULTS = ["restart kafka", "redis down 10 s", "restart postgres"] as const;
export type FaultName = (typeof PROCESS_FAULTS)[number] | (typeof INFRA_FAULTS)[number];

export interface SuiteOptions {
  faults: readonly FaultName[];
  /** New events per tick and the tick: 25 per 100 ms = 250 events/s. */
  perTick: number;
  tickMs: number;
  /** Ingest before the fault, and after it is over (the component back). */
  beforeMs: number;
  afterMs: number;
  /** How long to wait for insights to equal the ledger. */
  convergeTimeoutMs: number;
  log?: (line: string) => void;
}

export interface FaultResult {
  fault: FaultName;
  /** Events with an ACCEPTED receipt (or DUPLICATE on a retry: accepted by an attempt whose answer was lost). */
  acknowledged: number;
  /** Of acknowledged: DUPLICATE on a retry. */
  acknowledgedOnRetry: number;
  /** Insights totals (impressions) of the fault's campaign. */
  counted: number;
  /** Acknowledged but not in raw_events. */
  lost: number;
  /** Counted more often than there are distinct events in raw_events. */
  doubleCounted: number;
  /** In raw_events without an acknowledgement (a receipt the client never got and never settled). */
  countedUnacknowledged: number;
  /** Events that never got a receipt despite retries. */
  unsettled: number;
  /** Failed calls by gRPC code, and non-accepting receipts by status/reason. */
  failures: Record<string, number>;
  /** Longest stretch without an answered ingest call, and without an answered insights query, from the fault on. */
  ingestDownSeconds: number;
  queriesDownSeconds: number;
  /** Longest stretch, from the fault to the end of ingest, in which the insights total did not grow: how long aggregation stood still. */
  countingStalledSeconds: number;
  /** From the end of ingest until insights equalled the ledger; null if they never did within the timeout. */
  exactAfterSeconds: number | null;
  /** How long the fault action itself took (kill + restart until healthy, stop + 10 s + start, ...). */
  faultSeconds: number;
  /** Why the fault action itself failed (e.g. a component did not come back), if it did. */
  faultError: string | null;
  ok: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const seconds = (ms: number) => Math.round(ms / 100) / 10;

/** scripts/stack/stack.sh, asynchronously: the ingest generator keeps running meanwhile. */
function stackAsync(...args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [`${ROOT}scripts/stack/stack.sh`, ...args], { stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr.on("data", (d) => (err += d));
    child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`stack.sh ${args.join(" ")} failed (${code}): ${err.slice(-2000)}`))));
  });
}

/** Retries a setup call through a fault's aftermath (a restarted dependency answers UNAVAILABLE for a moment). */
async function retrying<T>(what: string, fn: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`${what}: ${(err as Error).message}`);
      await sleep(500);
    }
  }
}

export interface SuiteOutcome {
  results: FaultResult[];
  /** Exits of a Tally process that nobody caused (a crash during the run). */
  unexpectedExits: string[];
  reportPath: string;
}

export async function runFaultSuite(opts: SuiteOptions): Promise<SuiteOutcome> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const id = uniqueName("faults");
  const logDir = `${LOG_DIR}/${id}`;
  mkdirSync(logDir, { recursive: true });
  const database = await createTestDatabase();
  const ports = await allocatePorts();
  const env = runEnvironment(ports, { pgUrl: database.url, redisUrl: stack.redisUrl, kafkaBrokers: stack.kafkaBrokers.join(",") }, id, {
    TALLY_AGGREGATOR_FLUSH_MS: "200",
    // A publish cut short by kill -9 leaves its ids pending: a retry is answered IN_FLIGHT until this
    // expires (default 2 min). 10 s keeps the suite short; the guarantee does not depend on it.
    TALLY_INGEST_DEDUP_PENDING_TTL_MS: "10000",
    TALLY_SHUTDOWN_GRACE_MS: "2000",
  });
  const addr = (port: number) => `127.0.0.1:${port}`;
  const procs: Record<ProcessName, TallyProcess> = {
    campaign: new TallyProcess("campaign", env, addr(ports.campaign), logDir),
    ingestion: new TallyProcess("ingestion", env, addr(ports.ingestion), logDir),
    analytics: new TallyProcess("analytics", env, addr(ports.analytics), logDir),
    aggregator: new TallyProcess("aggregator", env, null, logDir),
  };
  const insecure = credentials.createInsecure();
  const identity = new IdentityServiceClient(addr(ports.campaign), insecure);
  const campaigns = new CampaignServiceClient(addr(ports.campaign), insecure);
  const ingestion = new IngestionServiceClient(addr(ports.ingestion), insecure);
  const analytics = new AnalyticsServiceClient(addr(ports.analytics), insecure);
  // A pool, not a client: it reconnects after PostgreSQL restarts.
  const raw = new pg.Pool({ connectionString: database.url, max: 1 });
  raw.on("error", () => undefined); // an idle connection cut by a restart
  const results: FaultResult[] = [];
  const unexpectedExits: string[] = [];
  try {
    log(`▶ fault suite ${id}: logs in ${logDir}`);
    await procs.campaign.start();
    await Promise.all([procs.analytics.start(), procs.aggregator.start(), procs.ingestion.start()]);
    const email = `${id}@example.com`;
    const token = (await call(identity, identity.register, { email, password: "fault suite password", organizationName: "Fault suite" })).accessToken;

    const faults: Record<FaultName, () => Promise<void>> = {
      "kill -9 campaign": () => restart(procs.campaign),
      "kill -9 ingestion": () => restart(procs.ingestion),
      "kill -9 analytics": () => restart(procs.analytics),
      "kill -9 aggregator": () => restart(procs.aggregator),
      "restart kafka": () => stackAsync("restart", "kafka"),
      "redis down 10 s": async () => {
        await stackAsync("stop", "redis");
        await sleep(10_000);
        await stackAsync("start", "redis");
      },
      "restart postgres": () => stackAsync("restart", "postgres"),
    };

    for (const fault of opts.faults) {
      const campaignId = await retrying("create a campaign", () => createLaunchedCampaign(campaigns, token, `${id} ${fault}`));
      const ledger = new IngestLedger(ingestion, token, campaignId, `${id}-${results.length}`);
      const insights = () => queryInsights(analytics, token, campaignId);
      const queryGaps = new GapMeter();
      // Counting stalls: stretches in which the insights total did not grow while events came in.
      const countGaps = new GapMeter();
      let lastCount = -1;
      let probing = true;
      const probe = (async () => {
        while (probing) {
          await insights().then(
            (res) => {
              queryGaps.success();
              const n = Number(res.totals?.impressions ?? 0);
              if (n > lastCount) countGaps.success();
              lastCount = n;
            },
            () => undefined,
          );
          await sleep(250);
        }
      })();

      ledger.startGenerating(opts.perTick, opts.tickMs);
      await sleep(opts.beforeMs);
      log(`  ${fault} …`);
      ledger.gaps.start();
      queryGaps.start();
      countGaps.start();
      const faultStart = Date.now();
      // A fault action that fails (a component that does not come back) fails this fault, not the run.
      const faultError = await faults[fault]().then(
        () => null,
        (err: Error) => err.message,
      );
      const faultSeconds = seconds(Date.now() - faultStart);
      await sleep(opts.afterMs);
      ledger.stopGenerating();
      countGaps.end();
      await ledger.settle(60_000);
      const ingestEnd = Date.now();

      // Insights equal to the ledger: the fault's whole effect, once every acknowledged event is in.
      const acknowledged = ledger.acknowledged.size;
      let counted = -1;
      let exactAfterSeconds: number | null = null;
      const deadline = Date.now() + opts.convergeTimeoutMs;
      while (Date.now() < deadline) {
        const res = await insights().catch(() => null);
        if (res) counted = Number(res.totals?.impressions ?? 0);
        if (counted === acknowledged) {
          exactAfterSeconds = seconds(Date.now() - ingestEnd);
          break;
        }
        await sleep(200);
      }
      queryGaps.end();
      probing = false;
      await probe;
      // A moment more: a double count that lands after the equality would still show.
      await sleep(1000);
      const final = await retrying("read insights", insights);
      counted = Number(final.totals?.impressions ?? 0);

      const stored = await retrying("read raw_events", () =>
        raw.query<{ event_id: string }>("SELECT event_id FROM analytics.raw_events WHERE campaign_id = $1", [campaignId]),
      );
      const storedIds = new Set(stored.rows.map((r) => r.event_id));
      const counts = ledger.counts();
      const result: FaultResult = {
        fault,
        acknowledged,
        acknowledgedOnRetry: counts.duplicateOnRetry,
        counted,
        lost: [...ledger.acknowledged].filter((e) => !storedIds.has(e)).length,
        doubleCounted: Math.max(0, counted - storedIds.size),
        countedUnacknowledged: [...storedIds].filter((e) => !ledger.acknowledged.has(e)).length,
        unsettled: counts.unsettled,
        failures: counts.failures,
        ingestDownSeconds: seconds(ledger.gaps.longestMs()),
        queriesDownSeconds: seconds(queryGaps.longestMs()),
        countingStalledSeconds: seconds(countGaps.longestMs()),
        exactAfterSeconds,
        faultSeconds,
        faultError,
        ok: false,
      };
      result.ok =
        faultError === null &&
        result.lost === 0 &&
        result.doubleCounted === 0 &&
        result.unsettled === 0 &&
        counted === acknowledged &&
        result.countedUnacknowledged === 0;
      results.push(result);
      log(`  ${fault}: ${acknowledged} acknowledged, ${counted} counted, ${result.lost} lost, ${result.doubleCounted} double${result.ok ? "" : "  ✗"}`);
    }
    unexpectedExits.push(...Object.values(procs).flatMap((p) => p.unexpectedExits));
    if (unexpectedExits.length > 0) log(`  unexpected exits: ${unexpectedExits.join("; ")}`);
  } finally {
    await Promise.all(Object.values(procs).map((p) => p.stop()));
    for (const p of Object.values(procs)) p.close();
    for (const c of [identity, campaigns, ingestion, analytics] as Client[]) c.close();
    await raw.end().catch(() => undefined);
    await database.drop().catch(() => undefined);
  }
  const reportPath = `${logDir}/faults-report.json`;
  writeFileSync(reportPath, `${JSON.stringify({ id, options: { ...opts, log: undefined }, results, unexpectedExits }, null, 2)}\n`);
  return { results, unexpectedExits, reportPath };
}

async function restart(p: TallyProcess): Promise<void> {
  await p.kill9();
  await p.start();
}

async function createLaunchedCampaign(client: CampaignServiceClient, token: string, name: string): Promise<string> {
  const campaign = Campaign.fromPartial({ name, type: CampaignType.CAMPAIGN_TYPE_PROMOTION, currencyCode: "EUR", budgetMicros: "1000000000", timeZone: "UTC" });
  const created = await call(client, client.createCampaign, { campaign, requestId: "" }, token);
  const id = created.campaign!.id;
  await call(client, client.launchCampaign, { id, etag: "" }, token);
  return id;
}

function queryInsights(client: AnalyticsServiceClient, token: string, campaignId: string): Promise<GetCampaignInsightsResponse> {
  const today = new Date();
  const day = (d: Date) => d.toISOString().slice(0, 10);
  const req = GetCampaignInsightsRequest.fromPartial({
    campaignId,
    startDate: day(new Date(today.getTime() - 86_400_000)),
    endDate: day(today),
    granularity: Granularity.GRANULARITY_TOTAL,
  });
  const md = new Metadata();
  md.set("authorization", `Bearer ${token}`);
  return new Promise((resolve, reject) =>
    client.getCampaignInsights(req, md, { deadline: new Date(Date.now() + 3000) }, (err: ServiceError | null, res) => (err ? reject(err) : resolve(res))),
  );
}

/** The per-fault table, as printed by run-faults.ts and the short form. */
export function formatTable(results: FaultResult[]): string {
  const head = [
    "fault",
    "acked",
    "counted",
    "lost",
    "double",
    "unacked counted",
    "ingest down s",
    "queries down s",
    "counting stalled s",
    "exact after s",
    "fault s",
    "failed requests / receipts",
  ];
  const rows = results.map((r) => [
    r.fault,
    String(r.acknowledged),
    String(r.counted),
    String(r.lost),
    String(r.doubleCounted),
    String(r.countedUnacknowledged),
    String(r.ingestDownSeconds),
    String(r.queriesDownSeconds),
    String(r.countingStalledSeconds),
    r.exactAfterSeconds === null ? "never" : String(r.exactAfterSeconds),
    String(r.faultSeconds),
    [...Object.entries(r.failures).map(([k, v]) => `${k} ${v}`), ...(r.faultError ? [`FAULT ACTION FAILED: ${r.faultError.slice(0, 200)}`] : [])].join(", ") ||
      "-",
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  return [line(head), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.map(line)].join("\n");
}
