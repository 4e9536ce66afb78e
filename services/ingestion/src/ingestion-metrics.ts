/** The ingestion process's own Prometheus series, registered on the process registry. */
import type { Counter, Gauge } from "prom-client";
import type { Metrics } from "#common/metrics.js";

export interface IngestionMetrics {
  /** Every receipt returned, by status (ACCEPTED, DUPLICATE, REJECTED) and reason. */
  receipts: Counter<string>;
  /**
   * Connector sync state: 1 for the state a platform's connector is in (IDLE, SYNCING, BACKOFF,
   * FAILED), 0 for the others. Registered before any connector exists, so dashboards and alerts
   * are ready when they land.
   */
  connectorSync: Gauge<string>;
}

export function createIngestionMetrics(metrics: Metrics): IngestionMetrics {
  return {
    receipts: metrics.counter("tally_ingest_receipts_total", "Event receipts returned, by status and reason.", ["status", "reason"]),
    connectorSync: metrics.gauge("tally_connector_sync_state", "1 for the state each platform's connector is in, 0 for the others.", ["platform", "state"]),
  };
}
