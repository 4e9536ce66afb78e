/**
 * The four fake platforms for `npm start`'s demo (and e2e tests): one ad account each, with the
 * credentials a platform connection needs and the connector config pointing at them. The caller
 * creates the connections and maps campaigns to `campaignIds`; close() stops the servers.
 */
import { startGoogleAdsFake, type GoogleAdsFake } from "./google/google-ads-fake-server.js";
import { startLinkedInFake, type LinkedInFake } from "./linkedin/linkedin-fake-server.js";
import { startMetaFake, type MetaFake } from "./meta/meta-fake-server.js";
import type { PlatformConnectorsConfig } from "./platform-connectors.js";
import type { PlatformCredentials, PlatformSlug } from "./platform-connector.js";
import { FakeAccount, type FakeProfile } from "./shared/fake-platform.js";
import { PLATFORM_PROFILES } from "./simulator/traffic.js";
import { startTikTokFake, type TikTokFake } from "./tiktok/tiktok-fake-server.js";

export interface DemoPlatformAccount {
  accountId: string;
  campaignIds: string[];
  credentials: PlatformCredentials;
}

export interface DemoPlatforms {
  accounts: Record<PlatformSlug, DemoPlatformAccount>;
  connectorConfig: PlatformConnectorsConfig;
  /** Ingestion's TALLY_* settings that point its connectors at these fakes (services/ingestion/src/config.ts). */
  apiEnv: Record<string, string>;
  fakes: { meta: MetaFake; google: GoogleAdsFake; linkedin: LinkedInFake; tiktok: TikTokFake };
  close(): Promise<void>;
}

export interface DemoPlatformsOptions {
  /** Campaigns per platform account (ids are generated: platform-looking digits). */
  campaignsPerAccount?: number;
  /** Currency of every demo account: the demo campaigns' currency, so report rows are accepted. */
  currencyCode?: string;
  timeZone?: string;
  /** Results per page on Meta (its `limit` ceiling) and TikTok. */
  pageSize?: number;
  /**
   * Size the accounts like the simulator's traffic at this many events per second (its platform
   * mix, click-through and conversion rates, prices), so platform numbers sit plausibly beside the
   * tracked ones: the campaigns of one account add up to that platform's share of a simulated day.
   */
  eventsPerSecond?: number;
}

/** A day of each platform as the simulator would track it at `eventsPerSecond`, split over `campaigns`. */
export function simulatorProfiles(eventsPerSecond: number, campaigns: number): Record<PlatformSlug, FakeProfile> {
  const total = PLATFORM_PROFILES.reduce((sum, p) => sum + p.weight, 0);
  const profile = (name: PlatformSlug): FakeProfile => {
    const p = PLATFORM_PROFILES.find((x) => x.name === name)!;
    return {
      impressionsPerDay: (eventsPerSecond * 86_400 * p.weight) / total / campaigns,
      ctr: p.ctr,
      cvr: p.cvr,
      cpmMicros: p.billing === "CPM" ? p.priceMicros : p.ctr * p.priceMicros * 1000,
      // The simulator's order values: log-normal around 45.00, mean ≈ 54.
      orderValueMicros: 54_000_000,
    };
  };
  return { meta: profile("meta"), google: profile("google"), linkedin: profile("linkedin"), tiktok: profile("tiktok") };
}

export async function startDemoPlatforms(options: DemoPlatformsOptions = {}): Promise<DemoPlatforms> {
  const count = options.campaignsPerAccount ?? 3;
  const currencyCode = options.currencyCode ?? "USD";
  const timeZone = options.timeZone ?? "America/New_York";
  const ids = (prefix: string) => Array.from({ length: count }, (_, i) => `${prefix}${String(i + 1).padStart(4, "0")}`);
  const profiles = options.eventsPerSecond ? simulatorProfiles(options.eventsPerSecond, count) : null;
  const account = (platform: PlatformSlug, accountId: string, campaignIds: string[], conversionActions: string[], fractionalConversions = false) =>
    new FakeAccount({
      accountId,
      campaignIds,
      timeZone,
      currencyCode,
      conversionActions,
      fractionalConversions,
      ...(profiles ? { profile: profiles[platform] } : {}),
    });

  const oauth = { refreshToken: "demo-refresh", clientId: "demo-client", clientSecret: "demo-client-secret" };
  const meta = await startMetaFake({
    account: account("meta", "100200300", ids("2385"), ["offsite_conversion.fb_pixel_purchase"]),
    accessToken: "demo-meta-token",
    pageSize: options.pageSize ?? 500,
  });
  const google = await startGoogleAdsFake({
    account: account("google", "1234567890", ids("1770"), ["501", "502"], true),
    accessToken: "demo-google-token",
    ...oauth,
    developerToken: "demo-dev-token",
  });
  const linkedin = await startLinkedInFake({
    account: account("linkedin", "508001234", ids("3090"), ["website"]),
    accessToken: "demo-linkedin-token",
    ...oauth,
  });
  const tiktok = await startTikTokFake({
    account: account("tiktok", "7001002003", ids("1800"), ["conversion"]),
    accessToken: "demo-tiktok-token",
    maxPageSize: options.pageSize ?? 1000,
  });

  const entry = (fake: { account: FakeAccount }, credentials: PlatformCredentials): DemoPlatformAccount => ({
    accountId: fake.account.options.accountId,
    campaignIds: fake.account.options.campaignIds,
    credentials,
  });
  return {
    accounts: {
      meta: entry(meta, { accessToken: "demo-meta-token" }),
      google: entry(google, { accessToken: "demo-google-token", developerToken: "demo-dev-token", ...oauth }),
      linkedin: entry(linkedin, { accessToken: "demo-linkedin-token", ...oauth }),
      tiktok: entry(tiktok, { accessToken: "demo-tiktok-token" }),
    },
    connectorConfig: {
      meta: { baseUrl: meta.baseUrl },
      google: { baseUrl: google.baseUrl, tokenUrl: google.tokenUrl },
      linkedin: { baseUrl: linkedin.baseUrl, tokenUrl: linkedin.tokenUrl },
      tiktok: { baseUrl: tiktok.baseUrl },
    },
    apiEnv: {
      TALLY_META_API_URL: meta.baseUrl,
      TALLY_GOOGLE_ADS_API_URL: google.baseUrl,
      TALLY_GOOGLE_OAUTH_TOKEN_URL: google.tokenUrl,
      TALLY_LINKEDIN_API_URL: linkedin.baseUrl,
      TALLY_LINKEDIN_OAUTH_TOKEN_URL: linkedin.tokenUrl,
      TALLY_TIKTOK_API_URL: tiktok.baseUrl,
    },
    fakes: { meta, google, linkedin, tiktok },
    close: async () => void (await Promise.all([meta.close(), google.close(), linkedin.close(), tiktok.close()])),
  };
}
