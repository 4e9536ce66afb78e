/**
 * Budget pacing's two tables: pacing_checks (campaigns to re-check, marked in the flush's
 * transaction) and pacing_signals (thresholds fired, once per campaign, threshold and budget,
 * then published relay-style). Every statement filters on tenant_id.
 */
import type { Knex } from "#common/db.js";
import type { CampaignRef } from "../domain/ad-events.js";
import type { PacingThreshold } from "../domain/budget-pacing.js";
import { column } from "./mapping.js";

/** pacing_signals.threshold: the tally.events.v1.CampaignEventType number of the signal. */
export const THRESHOLD_CODE: Record<PacingThreshold, number> = { APPROACHING: 9, EXCEEDED: 10 };
const THRESHOLD_OF_CODE: Record<number, PacingThreshold> = { 9: "APPROACHING", 10: "EXCEEDED" };

export interface PacingCheck extends CampaignRef {
  /** mark_time as Postgres prints it: microseconds, which a Date would cut to milliseconds. */
  markTime: string;
}

export interface FiredSignal extends CampaignRef {
  threshold: PacingThreshold;
  budgetMicros: bigint;
  spendMicros: bigint;
  currencyCode: string;
  fireTime: Date;
}

/** Inside the flush's transaction: these campaigns' spend may have changed. */
export async function markPacingChecks(trx: Knex.Transaction, campaigns: CampaignRef[]): Promise<void> {
  if (campaigns.length === 0) return;
  const sorted = [...campaigns].sort((a, b) => (a.tenantId + "\u0000" + a.campaignId < b.tenantId + "\u0000" + b.campaignId ? -1 : 1));
  // Rows in key order, so concurrent flushes cannot deadlock.
  await trx.raw(
    `INSERT INTO pacing_checks (tenant_id, campaign_id) SELECT * FROM unnest(?::text[], ?::text[])
     ON CONFLICT (tenant_id, campaign_id) DO UPDATE SET mark_time = clock_timestamp()`,
    [column(sorted.map((c) => c.tenantId)), column(sorted.map((c) => c.campaignId))],
  );
}

export class PgPacingStore {
  constructor(private readonly db: Knex) {}

  async pendingChecks(limit: number): Promise<PacingCheck[]> {
    const rows = await this.db.raw("SELECT tenant_id, campaign_id, mark_time::text AS mark_time FROM pacing_checks ORDER BY pacing_checks.mark_time LIMIT ?", [
      limit,
    ]);
    return (rows.rows as { tenant_id: string; campaign_id: string; mark_time: string }[]).map((r) => ({
      tenantId: r.tenant_id,
      campaignId: r.campaign_id,
      markTime: r.mark_time,
    }));
  }

  /**
   * Records the thresholds reached (each at most once per campaign and budget) and clears the
   * check unless a later flush marked the campaign again, in one transaction.
   */
  async settle(check: PacingCheck, reached: Omit<FiredSignal, "fireTime" | "tenantId" | "campaignId">[]): Promise<void> {
    await this.db.transaction(async (trx) => {
      for (const s of reached) {
        await trx.raw(
          `INSERT INTO pacing_signals (tenant_id, campaign_id, threshold, budget_micros, spend_micros, currency_code)
           VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
          [check.tenantId, check.campaignId, THRESHOLD_CODE[s.threshold], s.budgetMicros.toString(), s.spendMicros.toString(), s.currencyCode],
        );
      }
      await trx.raw("DELETE FROM pacing_checks WHERE tenant_id = ? AND campaign_id = ? AND mark_time <= ?::timestamptz", [
        check.tenantId,
        check.campaignId,
        check.markTime,
      ]);
    });
  }

  /**
   * Publishes unpublished signals in fire order: rows locked (SKIP LOCKED: another aggregator
   * process takes other rows), published, marked, committed. A crash after the publish and before
   * COMMIT publishes again: at least once, with the same event_id for consumers to tell.
   */
  async publishPending(publish: (signals: FiredSignal[]) => Promise<void>, limit = 100): Promise<number> {
    return this.db.transaction(async (trx) => {
      const rows = await trx.raw(
        `SELECT tenant_id, campaign_id, threshold, budget_micros, spend_micros, currency_code, fire_time FROM pacing_signals
         WHERE publish_time IS NULL ORDER BY fire_time, threshold LIMIT ? FOR UPDATE SKIP LOCKED`,
        [limit],
      );
      type Row = {
        tenant_id: string;
        campaign_id: string;
        threshold: number;
        budget_micros: string;
        spend_micros: string;
        currency_code: string;
        fire_time: Date;
      };
      const signals: FiredSignal[] = (rows.rows as Row[]).map((r) => ({
        tenantId: r.tenant_id,
        campaignId: r.campaign_id,
        threshold: THRESHOLD_OF_CODE[r.threshold]!,
        budgetMicros: BigInt(r.budget_micros),
        spendMicros: BigInt(r.spend_micros),
        currencyCode: r.currency_code,
        fireTime: r.fire_time,
      }));
      if (signals.length === 0) return 0;
      await publish(signals);
      for (const s of signals) {
        await trx.raw("UPDATE pacing_signals SET publish_time = now() WHERE tenant_id = ? AND campaign_id = ? AND threshold = ? AND budget_micros = ?", [
          s.tenantId,
          s.campaignId,
          THRESHOLD_CODE[s.threshold],
          s.budgetMicros.toString(),
        ]);
      }
      return signals.length;
    });
  }
}
