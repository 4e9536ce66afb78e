import type { CampaignSpendServiceServer, GetCampaignSpendRequest, GetCampaignSpendResponse } from "#gen/tally/analytics/v1/campaign_spend.js";
import { SERVICE_ONLY } from "#common/auth.js";
import type { RpcKit } from "#common/rpc.js";
import type { CampaignSpendService } from "../domain/campaign-spend.js";
import { toBudgetPacing } from "./convert.js";

const M = "tally.analytics.v1.CampaignSpendService";

/** Internal: the campaign service asks here for GetCampaign (service credential only; not routed by the edge). */
export function campaignSpendRpc(kit: RpcKit, spend: CampaignSpendService): CampaignSpendServiceServer {
  return {
    getCampaignSpend: kit.unary<GetCampaignSpendRequest, GetCampaignSpendResponse, typeof SERVICE_ONLY>(
      `${M}/GetCampaignSpend`,
      SERVICE_ONLY,
      async (req, ctx) => ({
        pacing: toBudgetPacing(
          await spend.getCampaignSpend(ctx.principal.tenantId, { campaignId: req.campaignId, budgetMicros: req.budgetMicros, timeZone: req.timeZone }),
        ),
      }),
    ),
  };
}
