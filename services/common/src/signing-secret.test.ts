import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { loadConfig as loadAnalyticsConfig } from "../../analytics/src/config.js";
import { loadConfig as loadCampaignConfig } from "../../campaign/src/config.js";
import { loadConfig as loadIngestionConfig } from "../../ingestion/src/config.js";
import { ConfigError, ConfigReader, readCommon, type Env } from "./config.js";
import { DEV_JWT_SECRET } from "./signing-secret.js";

const OWN_SECRET = "k3Jq9vT2xW8mZ4pL6nR0sY5uB7cE1gH3"; // 32 characters

function problemsOf(env: Env): string[] {
  const r = new ConfigReader(env);
  readCommon(r);
  try {
    r.done({});
    return [];
  } catch (err) {
    return (err as ConfigError).problems;
  }
}

describe("signing secret outside development mode (DESIGN §2.1)", () => {
  it("is production when TALLY_MODE is unset, and then a missing secret is refused", () => {
    assert.deepEqual(problemsOf({}), [
      "TALLY_JWT_SECRET is required (a random value of at least 32 characters, e.g. `openssl rand -base64 48`); only TALLY_MODE=development falls back to the published development secret",
    ]);
  });

  it("refuses the published development secret", () => {
    for (const mode of [{}, { TALLY_MODE: "production" }]) {
      assert.deepEqual(problemsOf({ ...mode, TALLY_JWT_SECRET: DEV_JWT_SECRET }), [
        "TALLY_JWT_SECRET is the development secret published in the repository; set your own random value (only TALLY_MODE=development accepts it)",
      ]);
    }
  });

  it("refuses a secret shorter than 32 characters, and an empty one", () => {
    assert.deepEqual(problemsOf({ TALLY_JWT_SECRET: OWN_SECRET.slice(0, 31) }), ["TALLY_JWT_SECRET must be at least 32 characters"]);
    assert.deepEqual(problemsOf({ TALLY_JWT_SECRET: "  " }), ["TALLY_JWT_SECRET must not be empty"]);
  });

  it("accepts an own secret of 32 characters", () => {
    const r = new ConfigReader({ TALLY_JWT_SECRET: OWN_SECRET });
    const c = r.done(readCommon(r));
    assert.equal(c.mode, "production");
    assert.equal(c.jwtSecret, OWN_SECRET);
  });

  it("refuses an unknown mode and then judges the secret as production", () => {
    assert.deepEqual(problemsOf({ TALLY_MODE: "dev", TALLY_JWT_SECRET: DEV_JWT_SECRET }), [
      'TALLY_MODE="dev" is not one of development, production',
      "TALLY_JWT_SECRET is the development secret published in the repository; set your own random value (only TALLY_MODE=development accepts it)",
    ]);
  });
});

describe("signing secret in development mode", () => {
  it("falls back to the development secret, or accepts it explicitly", () => {
    for (const env of [{ TALLY_MODE: "development" }, { TALLY_MODE: "development", TALLY_JWT_SECRET: DEV_JWT_SECRET }]) {
      const r = new ConfigReader(env);
      const c = r.done(readCommon(r));
      assert.equal(c.mode, "development");
      assert.equal(c.jwtSecret, DEV_JWT_SECRET);
    }
  });

  it("still refuses a short secret", () => {
    assert.deepEqual(problemsOf({ TALLY_MODE: "development", TALLY_JWT_SECRET: "short" }), ["TALLY_JWT_SECRET must be at least 32 characters"]);
  });
});

describe("every service refuses to start on the default secret, listing every problem at once", () => {
  const env: Env = { TALLY_JWT_SECRET: DEV_JWT_SECRET, TALLY_LOG_LEVEL: "loud", TALLY_PG_URL: "mysql://root:hunter2@db/tally" };
  const loaders = { campaign: loadCampaignConfig, ingestion: loadIngestionConfig, analytics: loadAnalyticsConfig };
  for (const [service, load] of Object.entries(loaders)) {
    it(service, () => {
      assert.throws(
        () => load(env),
        (err: ConfigError) => {
          assert.deepEqual(err.problems, [
            'TALLY_LOG_LEVEL="loud" is not one of trace, debug, info, warn, error, fatal, silent',
            "TALLY_PG_URL must use postgres: or postgresql:",
            "TALLY_JWT_SECRET is the development secret published in the repository; set your own random value (only TALLY_MODE=development accepts it)",
            // Ingestion also seals ad-platform credentials, with a key of its own (credentials-key.ts).
            ...(service === "ingestion"
              ? [
                  "TALLY_CREDENTIALS_KEY is required: 32 random bytes, base64 (e.g. `openssl rand -base64 32`); only TALLY_MODE=development falls back to the published development key",
                ]
              : []),
          ]);
          assert.doesNotMatch(err.message, new RegExp(`${DEV_JWT_SECRET}|hunter2`));
          return true;
        },
      );
    });
  }
});
