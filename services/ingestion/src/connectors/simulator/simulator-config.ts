import { randomInt } from "node:crypto";
import { ConfigReader, type Env } from "#common/config.js";

export interface SimulatorConfig {
  logLevel: string;
  ingestionAddr: string;
  /** Bearer credential (user JWT or API key with the ingest scope) of the demo tenant. */
  token: string;
  campaignIds: string[];
  /** Events per second. */
  rate: number;
  /** Events per IngestEvents call, at most 1000. */
  batchSize: number;
  /** Makes a run reproducible; event ids carry it, so reuse it only to replay on purpose. */
  seed: number;
  summaryEveryMs: number;
}

/** The simulator's only reader of the environment; every problem is reported at once. */
export function loadSimulatorConfig(env: Env): Readonly<SimulatorConfig> {
  const r = new ConfigReader(env);
  const token = r.str("TALLY_SIM_TOKEN", "");
  const campaignIds = r.list("TALLY_SIM_CAMPAIGN_IDS", []);
  if (token === "") r.problem("TALLY_SIM_TOKEN is required: a bearer token of the tenant that owns the campaigns");
  if (campaignIds.length === 0) r.problem("TALLY_SIM_CAMPAIGN_IDS is required: a comma-separated list of launched campaign ids");
  return r.done({
    logLevel: r.oneOf("TALLY_LOG_LEVEL", "info", ["trace", "debug", "info", "warn", "error", "fatal", "silent"]),
    ingestionAddr: r.str("TALLY_INGESTION_ADDR", "127.0.0.1:50052"),
    token,
    campaignIds,
    rate: r.int("TALLY_SIM_RATE", 50, 1, 1_000_000),
    batchSize: r.int("TALLY_SIM_BATCH", 500, 1, 1000),
    seed: r.int("TALLY_SIM_SEED", randomInt(2 ** 31), 0, 2 ** 32 - 1),
    summaryEveryMs: r.int("TALLY_SIM_SUMMARY_MS", 10_000, 1000, 3_600_000),
  });
}
