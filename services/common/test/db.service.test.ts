import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { createDb, migrate, type Knex, type Migration } from "#common/db.js";
import { createTestDatabase, type TestDatabase } from "../../../test/support/stack.js";

let database: TestDatabase;
const pools: Knex[] = [];

before(async () => {
  database = await createTestDatabase();
});
after(async () => {
  await Promise.all(pools.map((p) => p.destroy()));
  await database.drop();
});

it("lets processes sharing a schema migrate at the same time: each migration runs once", async () => {
  const migrations: Migration[] = [
    {
      name: "001_counter",
      async up(db) {
        await db.raw("CREATE TABLE runs (n int)");
        await db.raw("SELECT pg_sleep(0.2)");
        await db.raw("INSERT INTO runs VALUES (1)");
      },
    },
  ];
  // Four "processes", each with its own pool, started together on an empty database.
  for (let i = 0; i < 4; i++) pools.push(createDb({ url: database.url, schema: "shared", poolMax: 2 }));
  const applied = await Promise.all(pools.map((db) => migrate(db, "shared", migrations)));
  assert.deepEqual(applied.map((a) => a.length).sort(), [0, 0, 0, 1]);
  const rows = await pools[0]!("runs").select("n");
  assert.deepEqual(rows, [{ n: 1 }]);
});
