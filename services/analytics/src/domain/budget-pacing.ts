/**
 * Budget pacing: a campaign's spend to date — every day since it began, from the default spend
 * source (source-policy.ts: platform reports, tracked spend for platforms that do not report) —
 * against its budget. Thresholds are exact (bigint: spend × 100 ≥ budget × percent), never floats.
 *
 * Signals: each threshold fires once per campaign and budget (a changed budget re-arms both);
 * when spend jumps past both at once, both fire, APPROACHING first.
 */
import type { CampaignFacts } from "./insights.js";
import type { TotalsReader } from "./performance.js";
import { combineSources } from "./source-policy.js";

export type PacingState = "ON_TRACK" | "APPROACHING" | "EXCEEDED";
export type PacingThreshold = Exclude<PacingState, "ON_TRACK">;

/** Percent of the budget at which each signal fires, in firing order. */
export const PACING_THRESHOLDS: readonly { threshold: PacingThreshold; percent: bigint }[] = [
  { threshold: "APPROACHING", percent: 90n },
  { threshold: "EXCEEDED", percent: 100n },
];

export interface BudgetPacing {
  spendMicros: bigint;
  budgetMicros: bigint;
  /** spend / budget; absent when the budget is 0. */
  utilization?: number;
  state: PacingState;
}

/** The thresholds the spend has reached, in firing order. A budget ≤ 0 reaches none (no budget to pace). */
export function reachedThresholds(spendMicros: bigint, budgetMicros: bigint): PacingThreshold[] {
  if (budgetMicros <= 0n) return [];
  return PACING_THRESHOLDS.filter((t) => spendMicros * 100n >= budgetMicros * t.percent).map((t) => t.threshold);
}

export function budgetPacing(spendMicros: bigint, budgetMicros: bigint): BudgetPacing {
  const reached = reachedThresholds(spendMicros, budgetMicros);
  const out: BudgetPacing = { spendMicros, budgetMicros, state: reached.at(-1) ?? "ON_TRACK" };
  if (budgetMicros > 0n) out.utilization = Number(spendMicros) / Number(budgetMicros);
  return out;
}

/** Every instant a campaign can have data for (the contract's date bounds). */
const ALL_TIME = { start: new Date("1970-01-01T00:00:00Z"), end: new Date("2101-01-01T00:00:00Z") };

/** Spend since the campaign began, from the default spend source. */
export async function spendToDate(totals: TotalsReader, tenantId: string, campaignId: string, campaignTimeZone: string): Promise<bigint> {
  const sums = await totals.readTotals(tenantId, [{ campaignId, interval: ALL_TIME, campaignTimeZone }]);
  return combineSources(sums.get(campaignId) ?? []).costMicros;
}

/** The campaign's pacing now, or null when its budget is unknown. */
export async function currentPacing(totals: TotalsReader, tenantId: string, campaign: CampaignFacts, campaignTimeZone: string): Promise<BudgetPacing | null> {
  if (campaign.budgetMicros === undefined) return null;
  return budgetPacing(await spendToDate(totals, tenantId, campaign.id, campaignTimeZone), BigInt(campaign.budgetMicros));
}
