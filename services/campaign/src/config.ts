import { ConfigReader, readCommon, type CommonConfig, type Env } from "#common/config.js";

export interface CampaignConfig extends CommonConfig {
  host: string;
  port: number;
  metricsPort: number;
  tokenTtlSeconds: number;
  outboxPollMs: number;
  /** GetCampaign waits this long for analytics' spend, then shows it unavailable. */
  spendTimeoutMs: number;
  /** An answer is reused this long (per campaign and budget); also the pause after a failure. */
  spendCacheMs: number;
}

/** The only reader of the environment for the campaign service; every problem is reported at once. */
export function loadConfig(env: Env): Readonly<CampaignConfig> {
  const r = new ConfigReader(env);
  return r.done({
    ...readCommon(r),
    host: r.str("TALLY_CAMPAIGN_HOST", "0.0.0.0"),
    port: r.port("TALLY_CAMPAIGN_PORT", 50051),
    metricsPort: r.port("TALLY_CAMPAIGN_METRICS_PORT", 9461),
    tokenTtlSeconds: r.int("TALLY_TOKEN_TTL_SECONDS", 3600, 60, 86_400),
    outboxPollMs: r.int("TALLY_OUTBOX_POLL_MS", 100, 10, 10_000),
    spendTimeoutMs: r.int("TALLY_CAMPAIGN_SPEND_TIMEOUT_MS", 300, 10, 10_000),
    spendCacheMs: r.int("TALLY_CAMPAIGN_SPEND_CACHE_MS", 5000, 0, 600_000),
  });
}
