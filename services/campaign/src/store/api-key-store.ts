import type { Knex } from "#common/db.js";
import type { ApiKey, ApiKeyCursor, ApiKeyLookup, ApiKeyStore } from "../domain/api-keys.js";
import { apiKeyFromRow, type ApiKeyRow } from "./mapping.js";

/** campaign.api_keys: secrets are stored as their hex SHA-256 (unique index: the verification lookup). */
export class PgApiKeyStore implements ApiKeyStore, ApiKeyLookup {
  constructor(private readonly db: Knex) {}

  async create(key: ApiKey, secretSha256: Buffer): Promise<void> {
    await this.db<ApiKeyRow>("api_keys").insert({
      id: key.id,
      organization_id: key.tenantId,
      display_name: key.displayName,
      scopes: key.scopes,
      secret_hash: secretSha256.toString("hex"),
      secret_prefix: key.secretPrefix,
      create_time: key.createTime,
    });
  }

  async list(tenantId: string, after: ApiKeyCursor | null, limit: number): Promise<ApiKey[]> {
    const q = this.db<ApiKeyRow>("api_keys").where({ organization_id: tenantId }).whereNull("delete_time");
    if (after) q.andWhereRaw("(create_time, id) < (?, ?)", [after.createTime, after.id]);
    const rows = await q
      .orderBy([
        { column: "create_time", order: "desc" },
        { column: "id", order: "desc" },
      ])
      .limit(limit);
    return rows.map(apiKeyFromRow);
  }

  async revoke(tenantId: string, id: string, at: Date): Promise<boolean> {
    const changed = await this.db<ApiKeyRow>("api_keys").where({ id, organization_id: tenantId }).whereNull("delete_time").update({ delete_time: at });
    return changed === 1;
  }

  async findLive(secretSha256: Buffer): Promise<ApiKey | null> {
    const row = await this.db<ApiKeyRow>("api_keys")
      .where({ secret_hash: secretSha256.toString("hex") })
      .whereNull("delete_time")
      .first();
    return row ? apiKeyFromRow(row) : null;
  }

  async recordUse(id: string, at: Date): Promise<void> {
    await this.db<ApiKeyRow>("api_keys")
      .where({ id })
      .andWhere((w) => w.whereNull("last_use_time").orWhere("last_use_time", "<", at))
      .update({ last_use_time: at });
  }
}
