/** The aggregator's own Prometheus series, registered on the process registry. */
import { Histogram, type Counter, type Gauge } from "prom-client";
import type { Metrics } from "#common/metrics.js";

export interface AggregatorMetrics {
  /** Events newly applied to rollups. */
  applied: Counter<string>;
  /** Events whose (tenant, event_id) was already applied. */
  duplicates: Counter<string>;
  /** Messages below the stored offset, re-read after a restart or rebalance. */
  replayed: Counter<string>;
  /** Messages (or records of a batch message) sent to the dead-letter topic, by reason. */
  deadLetters: Counter<string>;
  /** Failed flush transactions by failure-classifier kind: TRANSIENT, REFUSED, FATAL. */
  flushFailures: Counter<string>;
  flushSeconds: Histogram<string>;
  /** Messages of ad-events not yet applied, by partition (high watermark − stored next offset). */
  lag: Gauge<string>;
}

export function createAggregatorMetrics(metrics: Metrics): AggregatorMetrics {
  return {
    applied: metrics.counter("tally_aggregator_events_applied_total", "Events applied to rollups."),
    duplicates: metrics.counter("tally_aggregator_events_duplicate_total", "Events skipped because their (tenant, event_id) was already applied."),
    replayed: metrics.counter("tally_aggregator_messages_replayed_total", "Messages skipped because their offset was already applied."),
    deadLetters: metrics.counter(
      "tally_aggregator_dead_letters_total",
      "Messages sent to the dead-letter topic, by reason (STORE_REFUSED: records Postgres refused).",
      ["reason"],
    ),
    flushFailures: metrics.counter(
      "tally_aggregator_flush_failures_total",
      "Failed flush transactions by kind: TRANSIENT (retried), REFUSED (records isolated), FATAL (process stops).",
      ["kind"],
    ),
    flushSeconds: new Histogram({
      name: "tally_aggregator_flush_seconds",
      help: "Time of one flush transaction, Kafka commit and Redis signals included.",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [metrics.registry],
    }),
    lag: metrics.gauge("tally_aggregator_lag_messages", "Messages of ad-events not yet applied to rollups, by partition; refreshed every freshness tick.", [
      "partition",
    ]),
  };
}
