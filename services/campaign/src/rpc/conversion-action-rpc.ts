import type { CampaignServiceServer } from "#gen/tally/campaign/v1/campaign_service.js";
import { edit, read } from "#common/auth.js";
import type { RpcKit } from "#common/rpc.js";
import type { ConversionActionService } from "../domain/conversion-actions.js";
import { conversionActionInputFromProto, conversionActionToProto } from "./convert.js";

const M = "tally.campaign.v1.CampaignService";

/** The conversion-action methods of CampaignService: editors write, viewers read. */
export function conversionActionRpc(
  kit: RpcKit,
  actions: ConversionActionService,
): Pick<CampaignServiceServer, "createConversionAction" | "listConversionActions" | "deleteConversionAction"> {
  return {
    createConversionAction: kit.unary(`${M}/CreateConversionAction`, edit, async (req, ctx) => ({
      conversionAction: conversionActionToProto(
        await actions.create(ctx.principal.tenantId, conversionActionInputFromProto(req.conversionAction, req.conversionActionId)),
      ),
    })),
    listConversionActions: kit.unary(`${M}/ListConversionActions`, read, async (req, ctx) => {
      const page = await actions.list(ctx.principal.tenantId, req);
      return { conversionActions: page.conversionActions.map(conversionActionToProto), nextPageToken: page.nextPageToken };
    }),
    deleteConversionAction: kit.unary(`${M}/DeleteConversionAction`, edit, async (req, ctx) => {
      await actions.delete(ctx.principal.tenantId, req.id);
      return {};
    }),
  };
}
