/**
 * Rollup sums cannot wrap (issue 5): the money sums are NUMERIC(38,0), and every read sums in
 * NUMERIC and answers exact decimal strings, far beyond int64. Real Postgres, fresh database.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createDb, migrate, type Knex } from "#common/db.js";
import { createTestDatabase, type TestDatabase } from "../../../test/support/stack.js";
import type { RollupDelta } from "../src/domain/ad-events.js";
import { ANALYTICS_SCHEMA, migrations } from "../src/store/migrations.js";
import { PgInsightsReader } from "../src/store/insights-query.js";
import { upsertRollups } from "../src/store/rollup-writer.js";
import { PgTotalsReader } from "../src/store/totals-query.js";

const INT64_MAX = 2n ** 63n - 1n;
const bucket = Date.parse("2025-01-01T10:00:00Z");
const interval = { start: new Date("2025-01-01T00:00:00Z"), end: new Date("2025-01-02T00:00:00Z") };

let database: TestDatabase;
let db: Knex;

before(async () => {
  database = await createTestDatabase();
  db = createDb({ url: database.url, schema: ANALYTICS_SCHEMA });
  await migrate(db, ANALYTICS_SCHEMA, migrations);
});

after(async () => {
  await db?.destroy();
  await database?.drop();
});

const delta = (revenueMicros: bigint, costMicros: bigint): RollupDelta => ({
  tenantId: "t",
  campaignId: "c",
  bucketStart: bucket,
  platform: "meta",
  region: "DE",
  source: "TRACKED",
  conversionAction: "",
  metrics: { impressions: 1n, clicks: 0n, conversionsMicros: 1_000_000n, costMicros, revenueMicros, filteredEvents: 0n },
});

describe("rollup money sums", () => {
  it("add up past int64 exactly, in the table and through both readers", async () => {
    // Three flushes' deltas, each at the int64 maximum: a bigint column failed on the second.
    for (let i = 0; i < 3; i++) await db.transaction((trx) => upsertRollups(trx, [delta(INT64_MAX, INT64_MAX - 1n)]));
    const expectedRevenue = 3n * INT64_MAX;
    const expectedCost = 3n * (INT64_MAX - 1n);

    const row = (await db.raw("SELECT revenue_micros, cost_micros, impressions FROM rollups")).rows;
    assert.deepEqual(row, [{ revenue_micros: expectedRevenue.toString(), cost_micros: expectedCost.toString(), impressions: "3" }]);

    const [grouped] = await new PgInsightsReader(db).readInsights({
      tenantId: "t",
      campaignId: "c",
      interval,
      timeZone: "UTC",
      campaignTimeZone: "UTC",
      granularity: "TOTAL",
      platforms: [],
      regions: [],
      breakdowns: [],
    });
    assert.equal(grouped!.metrics.revenueMicros, expectedRevenue);
    assert.equal(grouped!.metrics.costMicros, expectedCost);

    const totals = await new PgTotalsReader(db).readTotals("t", [{ campaignId: "c", interval, campaignTimeZone: "UTC" }]);
    const [part] = totals.get("c")!;
    assert.equal(part!.source, "TRACKED");
    assert.equal(part!.metrics.revenueMicros, expectedRevenue);
    assert.equal(part!.metrics.conversionsMicros, 3_000_000n);
  });

  it("documents the choice on the columns", async () => {
    const r = await db.raw(
      `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, col_description(a.attrelid, a.attnum) AS comment
       FROM pg_attribute a WHERE a.attrelid = 'rollups'::regclass AND a.attname IN ('cost_micros', 'revenue_micros') ORDER BY 1`,
    );
    for (const c of r.rows as { name: string; type: string; comment: string }[]) {
      assert.equal(c.type, "numeric(38,0)", c.name);
      assert.match(c.comment, /NUMERIC\(38,0\): a sum of capped events that cannot overflow/);
    }
    assert.equal(r.rows.length, 2);
  });
});
