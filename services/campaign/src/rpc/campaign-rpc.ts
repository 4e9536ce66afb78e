import type { CampaignServiceServer } from "#gen/tally/campaign/v1/campaign_service.js";
import { edit, read } from "#common/auth.js";
import type { RpcKit } from "#common/rpc.js";
import type { CampaignService } from "../domain/campaign-service.js";
import type { ConversionActionService } from "../domain/conversion-actions.js";
import type { SpendReader } from "../domain/campaign-spend.js";
import { conversionActionRpc } from "./conversion-action-rpc.js";
import { campaignToProto, fieldsFromProto } from "./convert.js";

const M = "tally.campaign.v1.CampaignService";

/** Decode → domain → encode; nothing else lives here. */
export function campaignRpc(kit: RpcKit, campaigns: CampaignService, conversionActions: ConversionActionService, spend: SpendReader): CampaignServiceServer {
  return {
    createCampaign: kit.unary(`${M}/CreateCampaign`, edit, async (req, ctx) => ({
      campaign: campaignToProto(await campaigns.create(ctx.principal.tenantId, fieldsFromProto(req.campaign), req.requestId)),
    })),
    getCampaign: kit.unary(`${M}/GetCampaign`, read, async (req, ctx) => {
      const c = await campaigns.get(ctx.principal.tenantId, req.id);
      // Spend is for people: Tally's own services look campaigns up on their hot paths (and
      // analytics asking here would ask itself back), so they get the campaign alone.
      const shown = ctx.principal.kind === "service" ? undefined : await spend.spendOf(ctx.principal.tenantId, c, ctx.requestId);
      return { campaign: campaignToProto(c, shown) };
    }),
    listCampaigns: kit.unary(`${M}/ListCampaigns`, read, async (req, ctx) => {
      const page = await campaigns.list(ctx.principal.tenantId, req);
      return { campaigns: page.campaigns.map((c) => campaignToProto(c)), nextPageToken: page.nextPageToken };
    }),
    updateCampaign: kit.unary(`${M}/UpdateCampaign`, edit, async (req, ctx) => {
      const id = req.campaign?.id ?? "";
      const updated = await campaigns.update(ctx.principal.tenantId, id, req.campaign?.etag ?? "", fieldsFromProto(req.campaign), req.updateMask ?? []);
      return { campaign: campaignToProto(updated) };
    }),
    deleteCampaign: kit.unary(`${M}/DeleteCampaign`, edit, async (req, ctx) => {
      await campaigns.delete(ctx.principal.tenantId, req.id, req.etag);
      return {};
    }),
    launchCampaign: kit.unary(`${M}/LaunchCampaign`, edit, async (req, ctx) => ({
      campaign: campaignToProto(await campaigns.transition(ctx.principal.tenantId, req.id, req.etag, "launch")),
    })),
    pauseCampaign: kit.unary(`${M}/PauseCampaign`, edit, async (req, ctx) => ({
      campaign: campaignToProto(await campaigns.transition(ctx.principal.tenantId, req.id, req.etag, "pause")),
    })),
    resumeCampaign: kit.unary(`${M}/ResumeCampaign`, edit, async (req, ctx) => ({
      campaign: campaignToProto(await campaigns.transition(ctx.principal.tenantId, req.id, req.etag, "resume")),
    })),
    completeCampaign: kit.unary(`${M}/CompleteCampaign`, edit, async (req, ctx) => ({
      campaign: campaignToProto(await campaigns.transition(ctx.principal.tenantId, req.id, req.etag, "complete")),
    })),
    cancelCampaign: kit.unary(`${M}/CancelCampaign`, edit, async (req, ctx) => ({
      campaign: campaignToProto(await campaigns.transition(ctx.principal.tenantId, req.id, req.etag, "cancel")),
    })),
    ...conversionActionRpc(kit, conversionActions),
  };
}
