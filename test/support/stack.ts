/**
 * What service and e2e tests need from the native stack (scripts/stack/stack.sh): connection
 * settings, a fresh database per test file, unique Kafka topic and Redis key prefixes.
 */
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import pg from "pg";
import { createLogger, type Logger } from "#common/logger.js";
import { DEV_JWT_SECRET } from "#common/config.js";

export const stack = {
  pgAdminUrl: process.env.TALLY_PG_ADMIN_URL ?? "postgres://postgres@127.0.0.1:55432/postgres",
  redisUrl: process.env.TALLY_REDIS_URL ?? "redis://127.0.0.1:56379",
  kafkaBrokers: (process.env.TALLY_KAFKA_BROKERS ?? "127.0.0.1:59092").split(","),
  envoyUrl: process.env.TALLY_ENVOY_URL ?? "http://127.0.0.1:8080",
  jwtSecret: process.env.TALLY_JWT_SECRET ?? DEV_JWT_SECRET,
};

export function uniqueName(prefix: string): string {
  return `${prefix}${Date.now().toString(36)}${randomBytes(3).toString("hex")}`;
}

/** Logs only when TALLY_TEST_LOG is set (e.g. TALLY_TEST_LOG=debug). */
export function testLogger(service = "test"): Logger {
  return createLogger(service, process.env.TALLY_TEST_LOG ?? "silent");
}

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A brand-new database, so that every test file migrates from scratch and sees only its own rows. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = uniqueName("t_");
  const admin = new pg.Client({ connectionString: stack.pgAdminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(stack.pgAdminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: stack.pgAdminUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/**
 * Deletes every Redis key under a test's prefix, leaving other tests' keys alone. SCAN (and KEYS)
 * patterns are not prefixed by ioredis's keyPrefix, so this uses a client without one.
 */
export async function deleteRedisKeys(prefix: string, url = stack.redisUrl): Promise<void> {
  const raw = new Redis(url);
  try {
    let cursor = "0";
    do {
      const [next, found] = await raw.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
      if (found.length > 0) await raw.del(...found);
      cursor = next;
    } while (cursor !== "0");
  } finally {
    await raw.quit();
  }
}
