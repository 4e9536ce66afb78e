/** campaign.conversion_actions: a tenant's conversion actions, keyed by (organization, id slug). */
import type { Knex } from "#common/db.js";
import type { ConversionAction, ConversionActionCategory, ConversionActionStore } from "../domain/conversion-actions.js";

interface ConversionActionRow {
  organization_id: string;
  id: string;
  display_name: string;
  category: string;
  create_time: Date;
}

const fromRow = (r: ConversionActionRow): ConversionAction => ({
  tenantId: r.organization_id,
  id: r.id,
  displayName: r.display_name,
  category: r.category as ConversionActionCategory,
  createTime: r.create_time,
});

/** LIKE treats _ as a wildcard; the ids it finds are filtered exactly afterwards. */
const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

export class PgConversionActionStore implements ConversionActionStore {
  constructor(private readonly db: Knex) {}

  async insert(a: ConversionAction, maxPerTenant: number): Promise<"CREATED" | "TAKEN" | "FULL"> {
    // The cap is checked in the same statement; two racing creates may overshoot it by one, which is harmless.
    const inserted = await this.db.raw(
      `INSERT INTO conversion_actions (organization_id, id, display_name, category, create_time)
       SELECT ?, ?, ?, ?, ? WHERE (SELECT count(*) FROM conversion_actions WHERE organization_id = ?) < ?
       ON CONFLICT (organization_id, id) DO NOTHING RETURNING id`,
      [a.tenantId, a.id, a.displayName, a.category, a.createTime, a.tenantId, maxPerTenant],
    );
    if (inserted.rows.length === 1) return "CREATED";
    const exists = await this.db<ConversionActionRow>("conversion_actions").where({ organization_id: a.tenantId, id: a.id }).first("id");
    return exists ? "TAKEN" : "FULL";
  }

  async idsLike(tenantId: string, base: string): Promise<string[]> {
    const rows = await this.db<ConversionActionRow>("conversion_actions")
      .where({ organization_id: tenantId })
      .andWhere((q) => q.where({ id: base }).orWhereRaw("id LIKE ? ESCAPE '\\'", [`${escapeLike(base.slice(0, 28))}%`]))
      .select("id");
    return rows.map((r) => r.id);
  }

  async list(tenantId: string, afterId: string | null, limit: number): Promise<ConversionAction[]> {
    const q = this.db<ConversionActionRow>("conversion_actions").where({ organization_id: tenantId });
    // COLLATE "C": byte order for both the cursor and the order, whatever the database locale.
    if (afterId !== null) q.andWhereRaw('id COLLATE "C" > ?', [afterId]);
    return (await q.orderByRaw('id COLLATE "C"').limit(limit)).map(fromRow);
  }

  async delete(tenantId: string, id: string): Promise<boolean> {
    return (await this.db<ConversionActionRow>("conversion_actions").where({ organization_id: tenantId, id }).delete()) === 1;
  }
}
