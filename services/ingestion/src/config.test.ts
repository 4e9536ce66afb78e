import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError } from "#common/config.js";
import { DEV_CREDENTIALS_KEY } from "#common/credentials-key.js";
import { loadConfig } from "./config.js";

describe("loadConfig", () => {
  it("has working local defaults", () => {
    const c = loadConfig({ TALLY_MODE: "development" });
    assert.deepEqual(
      [
        c.port,
        c.metricsPort,
        c.lateDataWindowDays,
        c.maxBatch,
        c.dedupTtlMs,
        c.campaignCacheTtlMs,
        c.campaignNegativeCacheTtlMs,
        c.campaignCacheGroupId,
        c.botDenyIps,
        c.clickFloodMax,
        c.clickFloodWindowMs,
      ],
      [50052, 9462, 90, 1000, 90 * 86_400_000, 60_000, 5_000, "ingestion-campaign-cache", [], 20, 60_000],
    );
    assert.ok(Object.isFrozen(c));
  });

  it("prefixes the consumer group like the topics and reads the deny list", () => {
    const c = loadConfig({
      TALLY_MODE: "development",
      TALLY_KAFKA_TOPIC_PREFIX: "staging.",
      TALLY_BOT_DENY_IPS: " 10.0.0.0/8, 192.0.2.1 ,2001:db8::1, 2001:db8:beef::/48",
    });
    assert.equal(c.campaignCacheGroupId, "staging.ingestion-campaign-cache");
    assert.deepEqual(c.botDenyIps, ["10.0.0.0/8", "192.0.2.1", "2001:db8::1", "2001:db8:beef::/48"]);
  });

  it("reads the click-flood rule", () => {
    const c = loadConfig({ TALLY_MODE: "development", TALLY_CLICK_FLOOD_MAX: "5", TALLY_CLICK_FLOOD_WINDOW_SECONDS: "300" });
    assert.deepEqual([c.clickFloodMax, c.clickFloodWindowMs], [5, 300_000]);
  });

  it("reports every problem at once", () => {
    assert.throws(
      () =>
        loadConfig({
          TALLY_MODE: "development",
          TALLY_INGESTION_PORT: "http",
          TALLY_INGEST_MAX_BATCH: "5000",
          TALLY_LATE_DATA_WINDOW_DAYS: "30",
          TALLY_INGEST_DEDUP_TTL_DAYS: "7",
          TALLY_BOT_DENY_IPS: "10.0.0.0/40",
          TALLY_CLICK_FLOOD_MAX: "0",
          TALLY_CLICK_FLOOD_WINDOW_SECONDS: "1m",
        }),
      (err: ConfigError) => {
        assert.equal(err.problems.length, 6);
        for (const name of [
          "TALLY_INGESTION_PORT",
          "TALLY_INGEST_MAX_BATCH",
          "TALLY_INGEST_DEDUP_TTL_DAYS",
          "TALLY_BOT_DENY_IPS",
          "TALLY_CLICK_FLOOD_MAX",
          "TALLY_CLICK_FLOOD_WINDOW_SECONDS",
        ]) {
          assert.ok(
            err.problems.some((p) => p.includes(name)),
            name,
          );
        }
        return true;
      },
    );
  });

  it("names every invalid deny-list entry at once, and only those", () => {
    assert.throws(
      () => loadConfig({ TALLY_MODE: "development", TALLY_BOT_DENY_IPS: "10.0.0.0/8,10.0.0.0/40,2001:db8::/129,example.com,2001:db8::/32" }),
      (err: ConfigError) => {
        assert.equal(err.problems.length, 3);
        for (const entry of ['"10.0.0.0/40"', '"2001:db8::/129"', '"example.com"']) {
          assert.ok(
            err.problems.some((p) => p.startsWith(`TALLY_BOT_DENY_IPS entry ${entry} is not`)),
            entry,
          );
        }
        return true;
      },
    );
  });

  it("takes the credentials key from TALLY_CREDENTIALS_KEY, and the published development key only in development mode", () => {
    const key = Buffer.alloc(32, 7).toString("base64");
    const secret = "x".repeat(40);
    const c = loadConfig({ TALLY_MODE: "production", TALLY_JWT_SECRET: secret, TALLY_CREDENTIALS_KEY: key, TALLY_CREDENTIALS_KEY_ID: "2025-06" });
    assert.deepEqual([c.credentialsKey.id, c.credentialsKey.key.equals(Buffer.alloc(32, 7))], ["2025-06", true]);
    assert.equal(loadConfig({ TALLY_MODE: "development" }).credentialsKey.id, "dev");
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig({ TALLY_MODE: "production", TALLY_JWT_SECRET: secret, ...env });
        return [];
      } catch (err) {
        return (err as ConfigError).problems.filter((p) => p.includes("CREDENTIALS"));
      }
    };
    assert.match(problems({})[0]!, /TALLY_CREDENTIALS_KEY is required/);
    assert.match(problems({ TALLY_CREDENTIALS_KEY: DEV_CREDENTIALS_KEY })[0]!, /development key published/);
    assert.match(problems({ TALLY_CREDENTIALS_KEY: Buffer.alloc(16).toString("base64") })[0]!, /exactly 32 bytes/);
    // The value never appears in a problem.
    assert.ok(!problems({ TALLY_CREDENTIALS_KEY: "short-secret-value" }).join(" ").includes("short-secret-value"));
  });

  it("calls the platforms' production APIs by default; TALLY_*_API_URL points a connector elsewhere", () => {
    assert.deepEqual(loadConfig({ TALLY_MODE: "development" }).platformApis, {
      metaApiUrl: "https://graph.facebook.com",
      metaApiVersion: "23.0",
      googleAdsApiUrl: "https://googleads.googleapis.com",
      googleAdsApiVersion: "v21",
      googleOAuthTokenUrl: "https://oauth2.googleapis.com/token",
      linkedinApiUrl: "https://api.linkedin.com",
      linkedinApiVersion: "202510",
      linkedinOAuthTokenUrl: "https://www.linkedin.com/oauth/v2/accessToken",
      tiktokApiUrl: "https://business-api.tiktok.com",
    });
    const c = loadConfig({
      TALLY_MODE: "development",
      TALLY_META_API_URL: "http://127.0.0.1:7001/",
      TALLY_GOOGLE_OAUTH_TOKEN_URL: "http://127.0.0.1:7002/token",
    });
    assert.deepEqual([c.platformApis.metaApiUrl, c.platformApis.googleOAuthTokenUrl], ["http://127.0.0.1:7001", "http://127.0.0.1:7002/token"]);
    assert.throws(
      () => loadConfig({ TALLY_MODE: "development", TALLY_TIKTOK_API_URL: "ftp://x", TALLY_META_API_VERSION: "v23", TALLY_LINKEDIN_API_URL: "not a url" }),
      (err: ConfigError) =>
        [
          "TALLY_TIKTOK_API_URL must use https: or http:",
          "TALLY_META_API_VERSION must look like 23.0 (no v)",
          "TALLY_LINKEDIN_API_URL is not a valid URL",
        ].every((p) => err.problems.includes(p)),
    );
  });
});
