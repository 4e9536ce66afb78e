/**
 * The short form of the fault suite (the long one: `npm run test:faults`, see run-faults.ts).
 * Under steady ingest, each Tally process in turn is killed with SIGKILL and started again; each
 * fault's insights must equal its ledger of acknowledged events exactly.
 *
 * Why only process kills here: `npm test` runs test files side by side on one shared stack, and
 * restarting Kafka, Redis or PostgreSQL under them would fail them. Killing the suite's own
 * processes touches nothing else (its own database, topics, Redis keys, consumer group and ports),
 * so this file runs concurrently like any other. The exactly-once machinery — ack after Kafka,
 * offsets stored with the rollups, dedup by (tenant, event_id) — is what a kill -9 exercises; the
 * infrastructure restarts are in the long form, on a stack of its own.
 */
import assert from "node:assert/strict";
import { it } from "node:test";
import { formatTable, PROCESS_FAULTS, runFaultSuite } from "./fault-suite.js";

it("counts every acknowledged event exactly once when each process is killed with SIGKILL", { timeout: 240_000 }, async (t) => {
  const { results, unexpectedExits } = await runFaultSuite({
    faults: PROCESS_FAULTS,
    perTick: 25,
    tickMs: 100,
    beforeMs: 2_000,
    afterMs: 3_000,
    convergeTimeoutMs: 30_000,
    log: (line) => t.diagnostic(line),
  });
  t.diagnostic(`\n${formatTable(results)}`);
  assert.deepEqual(unexpectedExits, []);
  for (const r of results) assert.ok(r.acknowledged >= 500, `${r.fault}: only ${r.acknowledged} events acknowledged; the ingest did not run`);
  assert.deepEqual(
    results.map((r) => ({
      fault: r.fault,
      counted: r.counted,
      lost: r.lost,
      double: r.doubleCounted,
      unacknowledgedCounted: r.countedUnacknowledged,
      unsettled: r.unsettled,
    })),
    results.map((r) => ({ fault: r.fault, counted: r.acknowledged, lost: 0, double: 0, unacknowledgedCounted: 0, unsettled: 0 })),
  );
  assert.deepEqual(
    results.map((r) => r.fault),
    [...PROCESS_FAULTS],
  );
});
