/**
 * GetCampaignSpend (internal, for the campaign service's GetCampaign): a campaign's spend to date
 * against the budget the caller names. The caller owns the campaign, so its budget and zone come
 * in the request: asking the campaign service back would make each GetCampaign a round trip in
 * both directions.
 */
import { Violations } from "#common/errors.js";
import { normalizeTimeZone } from "./date-range.js";
import { budgetPacing, spendToDate, type BudgetPacing } from "./budget-pacing.js";
import type { TotalsReader } from "./performance.js";

export interface CampaignSpendInput {
  campaignId: string;
  /** Decimal string (int64). */
  budgetMicros: string;
  /** "" or unknown: UTC (only platform rows without a zone of their own are placed by it). */
  timeZone: string;
}

export interface CampaignSpendService {
  getCampaignSpend(tenantId: string, input: CampaignSpendInput): Promise<BudgetPacing>;
}

export function createCampaignSpendService(deps: { totals: TotalsReader }): CampaignSpendService {
  return {
    async getCampaignSpend(tenantId, input) {
      const v = new Violations();
      v.check(input.campaignId.trim() !== "", "campaign_id", "is required");
      v.check(/^\d{1,19}$/.test(input.budgetMicros), "budget_micros", "must be ≥ 0");
      v.throwIfAny();
      const zone = normalizeTimeZone(input.timeZone) ?? "UTC";
      return budgetPacing(await spendToDate(deps.totals, tenantId, input.campaignId.trim(), zone), BigInt(input.budgetMicros));
    },
  };
}
