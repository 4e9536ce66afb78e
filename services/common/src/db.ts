import knexFactory, { type Knex } from "knex";
import pg from "pg";

export type { Knex };

// int8 (bigint) columns come back as strings: exact, and what ts-proto uses for int64.
pg.types.setTypeParser(pg.types.builtins.INT8, (v: string) => v);

/** One migration of a service schema; `up` runs inside a transaction. */
export interface Migration {
  name: string;
  up(db: Knex): Promise<void>;
}

/** A knex pool whose search_path is the service's own schema; no service reads another's tables. */
export function createDb(opts: { url: string; schema: string; poolMax?: number; applicationName?: string }): Knex {
  return knexFactory({
    client: "pg",
    connection: { connectionString: opts.url, application_name: opts.applicationName ?? opts.schema },
    searchPath: [opts.schema, "public"],
    pool: { min: 0, max: opts.poolMax ?? 10 },
    acquireConnectionTimeout: 10_000,
  });
}

/**
 * Creates the schema if needed and applies pending migrations, tracked in the schema itself.
 * Processes sharing a schema (the analytics API and its aggregator) start together: a session
 * advisory lock makes them migrate one after the other instead of racing on CREATE SCHEMA and
 * knex's own migration lock, which fails the loser instead of making it wait.
 */
export async function migrate(db: Knex, schema: string, migrations: Migration[]): Promise<string[]> {
  const lockName = `tally:migrate:${schema}`;
  const conn = (await db.client.acquireConnection()) as pg.PoolClient;
  try {
    await conn.query("SELECT pg_advisory_lock(hashtext($1))", [lockName]);
    return await migrateLocked(db, schema, migrations);
  } finally {
    await conn.query("SELECT pg_advisory_unlock(hashtext($1))", [lockName]).catch(() => {});
    await db.client.releaseConnection(conn);
  }
}

async function migrateLocked(db: Knex, schema: string, migrations: Migration[]): Promise<string[]> {
  await db.raw("CREATE SCHEMA IF NOT EXISTS ??", [schema]);
  const [, applied] = (await db.migrate.latest({
    schemaName: schema,
    tableName: "knex_migrations",
    migrationSource: {
      getMigrations: async () => migrations,
      getMigrationName: (m: Migration) => m.name,
      getMigration: async (m: Migration) => ({ up: m.up, down: async () => {} }),
    },
  })) as [number, string[]];
  return applied;
}
