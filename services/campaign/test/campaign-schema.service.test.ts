/** The campaign schema as migrations leave it: every table and column explained in the catalog. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createDb, migrate, type Knex } from "#common/db.js";
import { createTestDatabase, type TestDatabase } from "../../../test/support/stack.js";
import { CAMPAIGN_SCHEMA, migrations } from "../src/store/migrations.js";

let database: TestDatabase;
let db: Knex;

before(async () => {
  database = await createTestDatabase();
  db = createDb({ url: database.url, schema: CAMPAIGN_SCHEMA, poolMax: 2 });
  await migrate(db, CAMPAIGN_SCHEMA, migrations);
});
after(async () => {
  await db.destroy();
  await database.drop();
});

describe("campaign migrations", () => {
  it("leave a catalog comment on every table and column of the schema", async () => {
    const { rows } = await db.raw<{ rows: { name: string }[] }>(
      `WITH t AS (
         SELECT c.oid, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = ? AND c.relkind = 'r' AND c.relname NOT LIKE 'knex_%')
       SELECT relname AS name FROM t WHERE obj_description(t.oid, 'pg_class') IS NULL
       UNION ALL
       SELECT t.relname || '.' || a.attname FROM t JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum > 0 AND NOT a.attisdropped
        WHERE col_description(t.oid, a.attnum) IS NULL
       ORDER BY 1`,
      [CAMPAIGN_SCHEMA],
    );
    assert.deepEqual(
      rows.map((r) => r.name),
      [],
    );
  });

  it("explain the outbox payload where an operator looks", async () => {
    const { rows } = await db.raw<{ rows: { comment: string }[] }>("SELECT col_description('campaign.outbox'::regclass, 4) AS comment");
    assert.equal(rows[0]!.comment, "Encoded tally.events.v1.CampaignEvent.");
  });
});
