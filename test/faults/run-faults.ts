/**
 * `npm run test:faults`: the long form of the fault suite. Every fault in turn — kill -9 of each
 * service and of the aggregator, a Kafka restart, Redis away for 10 s, a PostgreSQL restart —
 * under 250 events/s; prints the table, writes the JSON report, exits 1 unless every fault ended
 * with insights equal to the ledger (0 lost, 0 double-counted).
 *
 * It restarts the infrastructure of the stack the environment names, so it runs on a stack of its
 * own, never on one that other tests or people are using:
 *   TALLY_STACK_DIR=/tmp/faults-stack TALLY_PG_PORT=45432 TALLY_REDIS_PORT=46379 TALLY_KAFKA_PORT=49092 \
 *     TALLY_KAFKA_CONTROLLER_PORT=49093 bash scripts/stack/stack.sh start postgres redis kafka
 *   source /tmp/faults-stack/env && npm run test:faults
 * It refuses to start when TALLY_STACK_DIR is not set (the default stack is everybody's), unless
 * given --processes-only (the four process kills, which touch nothing but the suite's own processes).
 */
import { formatTable, INFRA_FAULTS, PROCESS_FAULTS, runFaultSuite } from "./fault-suite.js";

const processesOnly = process.argv.includes("--processes-only");
if (!processesOnly && !process.env.TALLY_STACK_DIR) {
  console.error(
    "✗ the fault suite restarts Kafka, Redis and PostgreSQL: start a stack of its own and source its env file (TALLY_STACK_DIR=…), or pass --processes-only",
  );
  process.exit(2);
}
const { results, unexpectedExits, reportPath } = await runFaultSuite({
  faults: processesOnly ? PROCESS_FAULTS : [...PROCESS_FAULTS, ...INFRA_FAULTS],
  perTick: 25,
  tickMs: 100,
  beforeMs: 5_000,
  afterMs: 10_000,
  convergeTimeoutMs: 60_000,
});
console.log(`\n${formatTable(results)}\n\nreport: ${reportPath}`);
if (unexpectedExits.length > 0) console.log(`unexpected exits: ${unexpectedExits.join("; ")}`);
process.exit(results.every((r) => r.ok) && unexpectedExits.length === 0 ? 0 : 1);
