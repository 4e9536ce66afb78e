import type { CampaignServiceServer } from "#gen/tally/campaign/v1/campaign_service.js";
import { edit, read } from "#common/auth.js";
import type { EtagPrecondition } from "#common/contract/etag.js";
import type { RpcContext, RpcKit } from "#common/rpc.js";
import type { Campaign } from "../domain/campaign.js";
import type { CampaignService } from "../domain/campaign-service.js";
import type { LifecycleAction } from "../domain/campaign-lifecycle.js";
import type { CampaignSpendView, SpendReader } from "../domain/campaign-spend.js";
import type { ConversionActionService } from "../domain/conversion-actions.js";
import { conversionActionRpc } from "./conversion-action-rpc.js";
import { campaignToProto, fieldsFromProto } from "./convert.js";

const M = "tally.campaign.v1.CampaignService";

/** The request's etag field and the If-Match header (REST clients send either; Envoy forwards headers as metadata). */
const precondition = (etag: string, ctx: RpcContext): EtagPrecondition => ({ etag, ifMatch: ctx.header("if-match") });

/** The campaign in the response, and its etag as the `etag` response header (REST: the ETag header). */
function answer(c: Campaign, ctx: RpcContext, spend?: CampaignSpendView) {
  const campaign = campaignToProto(c, spend);
  ctx.responseHeaders = { ...ctx.responseHeaders, etag: campaign.etag };
  return { campaign };
}

/** Decode → domain → encode; nothing else lives here. */
export function campaignRpc(kit: RpcKit, campaigns: CampaignService, conversionActions: ConversionActionService, spend: SpendReader): CampaignServiceServer {
  const lifecycle = (name: string, action: LifecycleAction) =>
    kit.unary(`${M}/${name}`, edit, async (req: { id: string; etag: string }, ctx) =>
      answer(await campaigns.transition(ctx.principal.tenantId, req.id, precondition(req.etag, ctx), action), ctx),
    );
  return {
    createCampaign: kit.unary(`${M}/CreateCampaign`, edit, async (req, ctx) =>
      answer(await campaigns.create(ctx.principal.tenantId, fieldsFromProto(req.campaign), req.requestId), ctx),
    ),
    getCampaign: kit.unary(`${M}/GetCampaign`, read, async (req, ctx) => {
      const c = await campaigns.get(ctx.principal.tenantId, req.id);
      // Spend is for people: Tally's own services look campaigns up on their hot paths (and
      // analytics asking here would ask itself back), so they get the campaign alone.
      const shown = ctx.principal.kind === "service" ? undefined : await spend.spendOf(ctx.principal.tenantId, c, ctx.requestId);
      return answer(c, ctx, shown);
    }),
    listCampaigns: kit.unary(`${M}/ListCampaigns`, read, async (req, ctx) => {
      const page = await campaigns.list(ctx.principal.tenantId, req);
      return { campaigns: page.campaigns.map((c) => campaignToProto(c)), nextPageToken: page.nextPageToken };
    }),
    updateCampaign: kit.unary(`${M}/UpdateCampaign`, edit, async (req, ctx) => {
      const id = req.campaign?.id ?? "";
      const pre = precondition(req.campaign?.etag ?? "", ctx);
      return answer(await campaigns.update(ctx.principal.tenantId, id, pre, fieldsFromProto(req.campaign), req.updateMask ?? []), ctx);
    }),
    deleteCampaign: kit.unary(`${M}/DeleteCampaign`, edit, async (req, ctx) =>
      answer(await campaigns.delete(ctx.principal.tenantId, req.id, precondition(req.etag, ctx)), ctx),
    ),
    undeleteCampaign: kit.unary(`${M}/UndeleteCampaign`, edit, async (req, ctx) =>
      answer(await campaigns.undelete(ctx.principal.tenantId, req.id, precondition(req.etag, ctx)), ctx),
    ),
    launchCampaign: lifecycle("LaunchCampaign", "launch"),
    pauseCampaign: lifecycle("PauseCampaign", "pause"),
    resumeCampaign: lifecycle("ResumeCampaign", "resume"),
    completeCampaign: lifecycle("CompleteCampaign", "complete"),
    cancelCampaign: lifecycle("CancelCampaign", "cancel"),
    ...conversionActionRpc(kit, conversionActions),
  };
}
