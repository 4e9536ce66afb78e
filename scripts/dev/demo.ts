/** The demo tenant and campaign that `npm start` feeds with simulator traffic. Idempotent. */
import { credentials, status, type ServiceError } from "@grpc/grpc-js";
import { Campaign, CampaignStatus, CampaignType, Channel } from "#gen/tally/campaign/v1/campaign.js";
import { CampaignServiceClient } from "#gen/tally/campaign/v1/campaign_service.js";
import { IdentityServiceClient } from "#gen/tally/identity/v1/identity.js";
import { callMetadata, unaryCall } from "#common/grpc-client.js";

export const DEMO = {
  email: process.env.TALLY_DEMO_EMAIL ?? "demo@tally.local",
  password: process.env.TALLY_DEMO_PASSWORD ?? "demo-password-123",
  organization: "Tally Demo",
  campaignName: "Demo: Spring Sale",
};

export interface DemoTenant {
  token: string;
  campaignId: string;
}

export async function seedDemo(campaignAddr: string): Promise<DemoTenant> {
  const identity = new IdentityServiceClient(campaignAddr, credentials.createInsecure());
  const campaigns = new CampaignServiceClient(campaignAddr, credentials.createInsecure());
  try {
    let token: string;
    try {
      token = (
        await unaryCall(
          identity.register.bind(identity),
          { email: DEMO.email, password: DEMO.password, organizationName: DEMO.organization },
          callMetadata(""),
          10_000,
        )
      ).accessToken;
    } catch (err) {
      if ((err as ServiceError).code !== status.ALREADY_EXISTS) throw err;
      token = (await unaryCall(identity.login.bind(identity), { email: DEMO.email, password: DEMO.password }, callMetadata(""), 10_000)).accessToken;
    }
    const md = () => callMetadata(token);
    const campaign = Campaign.fromPartial({
      name: DEMO.campaignName,
      description: "Simulated traffic from the demo connector",
      type: CampaignType.CAMPAIGN_TYPE_PROMOTION,
      channels: [Channel.CHANNEL_SOCIAL, Channel.CHANNEL_SEARCH],
      platforms: ["meta", "google", "linkedin", "tiktok"],
      currencyCode: "USD",
      budgetMicros: "25000000000",
      timeZone: "America/New_York",
    });
    // The request_id makes a re-run find the campaign the first run created.
    const created = (await unaryCall(campaigns.createCampaign.bind(campaigns), { campaign, requestId: "demo-campaign-v1" }, md(), 10_000)).campaign!;
    if (created.status === CampaignStatus.CAMPAIGN_STATUS_DRAFT) {
      await unaryCall(campaigns.launchCampaign.bind(campaigns), { id: created.id, etag: "" }, md(), 10_000);
    }
    return { token, campaignId: created.id };
  } finally {
    identity.close();
    campaigns.close();
  }
}
