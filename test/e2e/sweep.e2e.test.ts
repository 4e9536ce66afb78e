/**
 * The project checks itself (issue 5, item 8): a fuzz and authorization sweep over every RPC of
 * every service, read from the descriptor set, via gRPC and via Envoy REST, against the running
 * stack. It asserts no server error (no INTERNAL/UNKNOWN/DATA_LOSS, no 5xx but 503/504), the exact
 * code for every credential kind, refusals where the contract says input is refused, no data
 * changed by a refused request, and every service still healthy at the end.
 *
 * TALLY_SWEEP_REPORT=path writes every unexpected and tolerated answer there as JSON;
 * TALLY_SWEEP_TRACE=1 prints every case; TALLY_SWEEP_ONLY=regex runs only the cases whose
 * "RPC [transport] case" matches (for chasing one finding; controls always run).
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { ADDRS } from "../../scripts/dev/processes.js";
import { checkGrpcHealth } from "../../scripts/dev/health.js";
import { stack } from "../support/stack.js";
import { loadContract, type Rpc } from "./sweep/contract.js";
import { RPC_SPECS } from "./sweep/rpc-specs.js";
import { createFixtures, type Fixtures } from "./sweep/fixtures.js";
import { buildCases, type BuiltCases } from "./sweep/sweep-cases.js";
import { runSweep, type Finding, type SweepResult } from "./sweep/sweep-runner.js";
import { GrpcTransport } from "./sweep/grpc-transport.js";

/** Which process serves a package (identity lives in the campaign service, DESIGN §2.1). */
const ADDRESS_OF_AREA: Record<string, string> = {
  identity: ADDRS.campaign,
  campaign: ADDRS.campaign,
  ingestion: ADDRS.ingestion,
  analytics: ADDRS.analytics,
};
const addressOf = (rpc: Rpc) => {
  const area = rpc.service.split(".")[1]!;
  const addr = ADDRESS_OF_AREA[area];
  if (!addr) throw new Error(`no address for ${rpc.service}: add its area to ADDRESS_OF_AREA in sweep.e2e.test.ts`);
  return addr;
};
const AGGREGATOR_METRICS = process.env.TALLY_AGGREGATOR_METRICS_URL ?? "http://127.0.0.1:9464/metrics";

function describeFinding(f: Finding): string {
  return `${f.rpc} [${f.transport}] ${f.name} → ${f.status}: ${f.why}${f.message && !f.why.includes(f.message) ? ` (${f.message})` : ""}`;
}

describe("sweep: fuzz and authorization over every RPC, gRPC and REST", () => {
  const contract = loadContract();
  const grpc = new GrpcTransport(contract, addressOf);
  let fixtures: Fixtures;
  let built: BuiltCases;
  let result: SweepResult;

  before(async () => {
    fixtures = await createFixtures(
      contract,
      grpc,
      contract.rpcs.filter((r) => RPC_SPECS[r.id]?.mutates).map((r) => r.id),
    );
    built = buildCases(contract, fixtures, grpc);
  });
  after(() => {
    grpc.close();
    fixtures?.close();
  });

  it("has cases for every RPC of the descriptor set, over gRPC and over REST where bound", () => {
    assert.ok(contract.rpcs.length >= 24, `only ${contract.rpcs.length} RPCs in envoy/tally.binpb`);
    assert.deepEqual(built.problems, []);
  });

  it("finds no unexpected status, no refused request that changed data", { timeout: 180_000 }, async () => {
    const only = process.env.TALLY_SWEEP_ONLY ? new RegExp(process.env.TALLY_SWEEP_ONLY) : null;
    const cases = only ? built.cases.filter((c) => c.phase === "control" || only.test(`${c.rpc.name} [${c.transport}] ${c.name}`)) : built.cases;
    if (only) console.log(`sweep: TALLY_SWEEP_ONLY=${only.source} keeps ${cases.length} of ${built.cases.length} cases`);
    const started = Date.now();
    result = await runSweep(cases, { contract, fixtures, grpc, envoyUrl: stack.envoyUrl, concurrency: 6 });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const perTransport = Object.entries(result.byTransport)
      .map(([t, n]) => `${t} ${n}`)
      .join(", ");
    console.log(
      `sweep: ${result.ran} cases (${perTransport}) over ${contract.rpcs.length} RPCs in ${seconds} s, ${result.unexpected.length} unexpected, ${result.tolerated.length} tolerated (503/504), ${result.rateLimitRetries} rate-limited answers retried`,
    );
    for (const f of result.tolerated) console.log(`  tolerated: ${describeFinding(f)}`);
    for (const f of result.slow) console.log(`  slow: ${describeFinding(f)}`);
    if (process.env.TALLY_SWEEP_REPORT)
      writeFileSync(
        process.env.TALLY_SWEEP_REPORT,
        JSON.stringify(
          {
            ran: result.ran,
            byTransport: result.byTransport,
            seconds: Number(seconds),
            unexpected: result.unexpected,
            tolerated: result.tolerated,
            slow: result.slow,
          },
          null,
          2,
        ),
      );
    assert.equal(result.unexpected.length, 0, `${result.unexpected.length} unexpected answers:\n${result.unexpected.map(describeFinding).join("\n")}`);
  });

  it("leaves every service running and healthy", async () => {
    for (const [name, addr] of Object.entries(ADDRS)) assert.ok(await checkGrpcHealth(addr, 3000), `${name} (${addr}) is not SERVING after the sweep`);
    const res = await fetch(AGGREGATOR_METRICS, { signal: AbortSignal.timeout(3000) }).catch((err: Error) => err);
    assert.ok(!(res instanceof Error) && res.ok, `the aggregator's metrics endpoint ${AGGREGATOR_METRICS} does not answer after the sweep`);
  });
});
