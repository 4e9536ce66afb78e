/** The connectors' settings from ingestion's loaded config (TALLY_META_API_URL and the others). */
import type { PlatformApisConfig } from "../config.js";
import type { PlatformConnectorsConfig } from "./platform-connectors.js";

export function connectorConfig(apis: Readonly<PlatformApisConfig>): PlatformConnectorsConfig {
  return {
    meta: { baseUrl: apis.metaApiUrl, apiVersion: apis.metaApiVersion },
    google: { baseUrl: apis.googleAdsApiUrl, apiVersion: apis.googleAdsApiVersion, tokenUrl: apis.googleOAuthTokenUrl },
    linkedin: { baseUrl: apis.linkedinApiUrl, apiVersion: apis.linkedinApiVersion, tokenUrl: apis.linkedinOAuthTokenUrl },
    tiktok: { baseUrl: apis.tiktokApiUrl },
  };
}
