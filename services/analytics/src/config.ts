/**
 * The only reader of process.env for both analytics processes (insights API and aggregator).
 * Every problem is reported at once; the result is frozen.
 */
import { ConfigReader, readCommon, type CommonConfig, type Env } from "#common/config.js";

export interface AnalyticsConfig extends CommonConfig {
  /** Interface the insights gRPC server binds. */
  host: string;
  port: number;
  metricsPort: number;
  aggregatorMetricsPort: number;
  /** Kafka consumer group of the aggregator processes; also whose offsets data_freshness reads. */
  aggregatorGroup: string;
  /** The aggregator writes at most this often (and sooner when maxBufferMessages are buffered). */
  aggregatorFlushMs: number;
  aggregatorMaxBufferMessages: number;
  /** How often the aggregator refreshes data freshness while the topic is idle. */
  aggregatorFreshnessMs: number;
  /** TTL of cached insights answers; 0 turns the cache off. New data invalidates them anyway. */
  insightsCacheTtlSeconds: number;
  /** How long campaign facts (currency, time zone) are reused in-process. */
  campaignCacheMs: number;
  pgPoolMax: number;
  /**
   * Raw events (and their de-duplication keys) are kept at least this many days after receipt,
   * then dropped by whole days; rollups are kept. Keep it ≥ ingestion's TALLY_LATE_DATA_WINDOW_DAYS,
   * or a resend accepted after it is counted again (store/raw-event-retention.ts).
   */
  rawEventRetentionDays: number;
  /** How often an aggregator runs a retention pass (one at a time across processes). */
  retentionIntervalMs: number;
}

export function loadConfig(env: Env): Readonly<AnalyticsConfig> {
  const r = new ConfigReader(env);
  const common = readCommon(r);
  const config: AnalyticsConfig = {
    ...common,
    host: r.str("TALLY_ANALYTICS_HOST", "0.0.0.0"),
    port: r.port("TALLY_ANALYTICS_PORT", 50053),
    metricsPort: r.port("TALLY_ANALYTICS_METRICS_PORT", 9463),
    aggregatorMetricsPort: r.port("TALLY_AGGREGATOR_METRICS_PORT", 9464),
    aggregatorGroup: r.str("TALLY_AGGREGATOR_GROUP", "analytics-aggregator"),
    aggregatorFlushMs: r.int("TALLY_AGGREGATOR_FLUSH_MS", 1000, 10, 60_000),
    aggregatorMaxBufferMessages: r.int("TALLY_AGGREGATOR_MAX_BUFFER", 20_000, 100, 1_000_000),
    aggregatorFreshnessMs: r.int("TALLY_AGGREGATOR_FRESHNESS_MS", 1000, 100, 60_000),
    insightsCacheTtlSeconds: r.int("TALLY_INSIGHTS_CACHE_TTL_S", 300, 0, 86_400),
    campaignCacheMs: r.int("TALLY_ANALYTICS_CAMPAIGN_CACHE_MS", 5000, 0, 600_000),
    pgPoolMax: r.int("TALLY_ANALYTICS_PG_POOL_MAX", 10, 1, 100),
    rawEventRetentionDays: r.int("TALLY_RAW_EVENT_RETENTION_DAYS", 90, 1, 3650),
    retentionIntervalMs: r.int("TALLY_RETENTION_INTERVAL_MS", 3_600_000, 1_000, 86_400_000),
  };
  return r.done(config);
}
