import { ConfigReader, readCommon, type CommonConfig, type Env } from "#common/config.js";
import { readCredentialsKey, type CredentialsKey } from "#common/credentials-key.js";
import { DEFAULT_GOOGLE_ADS_CONFIG as GOOGLE } from "./connectors/google/google-ads-connector.js";
import { DEFAULT_LINKEDIN_CONFIG as LINKEDIN } from "./connectors/linkedin/linkedin-connector.js";
import { DEFAULT_META_CONFIG as META } from "./connectors/meta/meta-connector.js";
import { DEFAULT_TIKTOK_CONFIG as TIKTOK } from "./connectors/tiktok/tiktok-connector.js";
import { parseIpRule } from "./domain/ip-deny-list.js";

export interface IngestionConfig extends CommonConfig {
  host: string;
  port: number;
  metricsPort: number;
  /** Events older than this are refused; accepted event ids are remembered this long. */
  lateDataWindowDays: number;
  /** Most events per IngestEvents call (and per StreamEvents chunk). */
  maxBatch: number;
  /** How long a claimed event_id stays pending while it is published. */
  dedupPendingTtlMs: number;
  /** How long an accepted event_id is answered DUPLICATE. */
  dedupTtlMs: number;
  campaignCacheTtlMs: number;
  campaignNegativeCacheTtlMs: number;
  campaignLookupTimeoutMs: number;
  /** Consumer group of the campaign-cache invalidator (prefixed like topics). */
  campaignCacheGroupId: string;
  /** IPv4 and IPv6 addresses and CIDR ranges whose traffic is filtered as bots. */
  botDenyIps: string[];
  /** More clicks than this from one IP on one campaign within one flood window are FILTERED (CLICK_FLOOD). */
  clickFloodMax: number;
  clickFloodWindowMs: number;
  /** Seals stored platform credentials (AES-256-GCM); TALLY_CREDENTIALS_KEY, id TALLY_CREDENTIALS_KEY_ID. */
  credentialsKey: CredentialsKey;
  /** Earlier keys, to open rows sealed before a rotation (TALLY_CREDENTIALS_PREVIOUS_KEYS=id:base64,...). */
  previousCredentialsKeys: CredentialsKey[];
  /** Every connection is synced once per this period; 0 turns scheduled syncs off in this replica. */
  platformSyncIntervalMs: number;
  /** How often an idle worker looks for due syncs and pending fetch jobs. */
  platformWorkerPollMs: number;
  /** How long a claimed sync or job stays leased: a crashed holder's work is retried after it. */
  platformLeaseMs: number;
  /** Backoff after consecutive failed syncs: base × 2^(failures−1), at most max. */
  platformBackoffBaseMs: number;
  platformBackoffMaxMs: number;
  /** Days re-read on every sync (ending today in the account's zone), so restatements land. */
  platformLookbackDays: number;
  /**
   * Where the connectors call the ad platforms: the platforms' production hosts by default; the demo
   * and the e2e tests point them at the fake servers.
   */
  platformApis: PlatformApisConfig;
}

export interface PlatformApisConfig {
  /** Graph API host (TALLY_META_API_URL) and version without the v (TALLY_META_API_VERSION). */
  metaApiUrl: string;
  metaApiVersion: string;
  /** Google Ads API host, version with its v, and the OAuth 2.0 token endpoint used to refresh. */
  googleAdsApiUrl: string;
  googleAdsApiVersion: string;
  googleOAuthTokenUrl: string;
  /** LinkedIn Marketing API host, LinkedIn-Version (YYYYMM), and the OAuth 2.0 token endpoint. */
  linkedinApiUrl: string;
  linkedinApiVersion: string;
  linkedinOAuthTokenUrl: string;
  /** TikTok Business API host. */
  tiktokApiUrl: string;
}

const DAY_MS = 86_400_000;

/** The only reader of the environment; reports every problem at once. */
export function loadConfig(env: Env): Readonly<IngestionConfig> {
  const r = new ConfigReader(env);
  const common = readCommon(r);
  const lateDataWindowDays = r.int("TALLY_LATE_DATA_WINDOW_DAYS", 90, 1, 3650);
  const botDenyIps = r
    .str("TALLY_BOT_DENY_IPS", "", { allowEmpty: true })
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  for (const entry of botDenyIps) {
    if (!parseIpRule(entry))
      r.problem(`TALLY_BOT_DENY_IPS entry ${JSON.stringify(entry)} is not an IPv4 or IPv6 address or CIDR range (192.0.2.1, 10.0.0.0/8, 2001:db8::/32)`);
  }
  const keyId = r.str("TALLY_CREDENTIALS_KEY_ID", "1");
  const current = readCredentialsKey("TALLY_CREDENTIALS_KEY", env.TALLY_CREDENTIALS_KEY, keyId, common.mode);
  for (const p of current.problems) r.problem(p);
  const previousCredentialsKeys: CredentialsKey[] = [];
  for (const entry of r
    .str("TALLY_CREDENTIALS_PREVIOUS_KEYS", "", { allowEmpty: true })
    .split(",")
    .filter((e) => e.trim() !== "")) {
    const [id = "", value = ""] = entry.trim().split(":");
    const prev = readCredentialsKey("TALLY_CREDENTIALS_PREVIOUS_KEYS", value, id, common.mode);
    if (prev.key) previousCredentialsKeys.push(prev.key);
    else r.problem(`TALLY_CREDENTIALS_PREVIOUS_KEYS entries are id:base64-key (32 bytes); entry ${JSON.stringify(id)} is not`);
  }
  const config: IngestionConfig = {
    ...common,
    host: r.str("TALLY_INGESTION_HOST", "0.0.0.0"),
    port: r.port("TALLY_INGESTION_PORT", 50052),
    metricsPort: r.port("TALLY_INGESTION_METRICS_PORT", 9462),
    lateDataWindowDays,
    maxBatch: r.int("TALLY_INGEST_MAX_BATCH", 1000, 1, 1000),
    dedupPendingTtlMs: r.int("TALLY_INGEST_DEDUP_PENDING_TTL_MS", 120_000, 1_000, 3_600_000),
    dedupTtlMs: r.int("TALLY_INGEST_DEDUP_TTL_DAYS", lateDataWindowDays, 1, 3650) * DAY_MS,
    campaignCacheTtlMs: r.int("TALLY_CAMPAIGN_CACHE_TTL_MS", 60_000, 0, 3_600_000),
    campaignNegativeCacheTtlMs: r.int("TALLY_CAMPAIGN_NEGATIVE_CACHE_TTL_MS", 5_000, 0, 600_000),
    campaignLookupTimeoutMs: r.int("TALLY_CAMPAIGN_LOOKUP_TIMEOUT_MS", 2_000, 100, 60_000),
    campaignCacheGroupId: `${common.kafkaTopicPrefix}ingestion-campaign-cache`,
    botDenyIps,
    clickFloodMax: r.int("TALLY_CLICK_FLOOD_MAX", 20, 1, 1_000_000),
    clickFloodWindowMs: r.int("TALLY_CLICK_FLOOD_WINDOW_SECONDS", 60, 1, 86_400) * 1000,
    credentialsKey: current.key ?? { id: keyId, key: Buffer.alloc(32) },
    previousCredentialsKeys,
    platformSyncIntervalMs: r.int("TALLY_PLATFORM_SYNC_INTERVAL_MS", 3_600_000, 0, 7 * DAY_MS),
    platformWorkerPollMs: r.int("TALLY_PLATFORM_WORKER_POLL_MS", 5_000, 10, 600_000),
    platformLeaseMs: r.int("TALLY_PLATFORM_SYNC_LEASE_MS", 600_000, 1_000, DAY_MS),
    platformBackoffBaseMs: r.int("TALLY_PLATFORM_SYNC_BACKOFF_BASE_MS", 60_000, 10, DAY_MS),
    platformBackoffMaxMs: r.int("TALLY_PLATFORM_SYNC_BACKOFF_MAX_MS", 6 * 3_600_000, 10, 7 * DAY_MS),
    platformLookbackDays: r.int("TALLY_PLATFORM_LOOKBACK_DAYS", 28, 1, lateDataWindowDays),
    platformApis: readPlatformApis(r),
  };
  if (config.dedupTtlMs < lateDataWindowDays * DAY_MS) {
    r.problem("TALLY_INGEST_DEDUP_TTL_DAYS must be at least TALLY_LATE_DATA_WINDOW_DAYS, or late resends would be accepted twice");
  }
  return r.done(config);
}

const WEB = ["https:", "http:"];

/** The defaults are the connectors' own: the platforms' production endpoints and the API versions they were written against. */
function readPlatformApis(r: ConfigReader): PlatformApisConfig {
  const version = (name: string, fallback: string, pattern: RegExp, shape: string) => {
    const value = r.str(name, fallback);
    if (!pattern.test(value)) r.problem(`${name} must look like ${shape}`);
    return value;
  };
  const host = (name: string, fallback: string) => r.url(name, fallback, WEB).replace(/\/+$/, "");
  return Object.freeze({
    metaApiUrl: host("TALLY_META_API_URL", META.baseUrl),
    metaApiVersion: version("TALLY_META_API_VERSION", META.apiVersion, /^\d+\.\d+$/, "23.0 (no v)"),
    googleAdsApiUrl: host("TALLY_GOOGLE_ADS_API_URL", GOOGLE.baseUrl),
    googleAdsApiVersion: version("TALLY_GOOGLE_ADS_API_VERSION", GOOGLE.apiVersion, /^v\d+$/, "v21"),
    googleOAuthTokenUrl: r.url("TALLY_GOOGLE_OAUTH_TOKEN_URL", GOOGLE.tokenUrl, WEB),
    linkedinApiUrl: host("TALLY_LINKEDIN_API_URL", LINKEDIN.baseUrl),
    linkedinApiVersion: version("TALLY_LINKEDIN_API_VERSION", LINKEDIN.apiVersion, /^\d{6}$/, "202510 (YYYYMM)"),
    linkedinOAuthTokenUrl: r.url("TALLY_LINKEDIN_OAUTH_TOKEN_URL", LINKEDIN.tokenUrl, WEB),
    tiktokApiUrl: host("TALLY_TIKTOK_API_URL", TIKTOK.baseUrl),
  });
}
