/**
 * The four connectors behind the port, built from one config: what the sync jobs look up by
 * platform. Base URLs default to the platforms' production hosts; tests and the demo point them at
 * the fake servers (see demo-platforms.ts).
 */
import { GoogleAdsConnector, type GoogleAdsConnectorConfig } from "./google/google-ads-connector.js";
import { LinkedInConnector, type LinkedInConnectorConfig } from "./linkedin/linkedin-connector.js";
import { MetaConnector, type MetaConnectorConfig } from "./meta/meta-connector.js";
import type { PlatformConnector, PlatformSlug } from "./platform-connector.js";
import { createRuntime, type ConnectorRuntime } from "./shared/platform-http.js";
import { TikTokConnector, type TikTokConnectorConfig } from "./tiktok/tiktok-connector.js";

export interface PlatformConnectorsConfig {
  meta?: Partial<MetaConnectorConfig>;
  google?: Partial<GoogleAdsConnectorConfig>;
  linkedin?: Partial<LinkedInConnectorConfig>;
  tiktok?: Partial<TikTokConnectorConfig>;
}

export function createPlatformConnectors(
  config: PlatformConnectorsConfig = {},
  runtime: ConnectorRuntime = createRuntime(),
): Record<PlatformSlug, PlatformConnector> {
  return {
    meta: new MetaConnector(config.meta, runtime),
    google: new GoogleAdsConnector(config.google, runtime),
    linkedin: new LinkedInConnector(config.linkedin, runtime),
    tiktok: new TikTokConnector(config.tiktok, runtime),
  };
}
