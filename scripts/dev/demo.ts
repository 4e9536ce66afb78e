/**
 * The demo tenant and campaign that `npm start` feeds with simulator traffic and, when the fake ad
 * platforms run, connects to all four: a connection per platform, the campaign linked to the fakes'
 * campaigns, and one FetchPlatformData so platform rows are there from the first page. Idempotent.
 */
import { credentials, status, type ServiceError } from "@grpc/grpc-js";
import { Campaign, CampaignStatus, CampaignType, Channel, type PlatformCampaignLink } from "#gen/tally/campaign/v1/campaign.js";
import { CampaignServiceClient } from "#gen/tally/campaign/v1/campaign_service.js";
import { IdentityServiceClient } from "#gen/tally/identity/v1/identity.js";
import { CreatePlatformConnectionRequest, FetchPlatformDataRequest, IngestionServiceClient } from "#gen/tally/ingestion/v1/ingestion.js";
import { callMetadata, unaryCall } from "#common/grpc-client.js";
import type { DemoPlatformAccount } from "../../services/ingestion/src/connectors/demo-platforms.js";

export const DEMO = {
  email: process.env.TALLY_DEMO_EMAIL ?? "demo@tally.local",
  password: process.env.TALLY_DEMO_PASSWORD ?? "demo-password-123",
  organization: "Tally Demo",
  campaignName: "Demo: Spring Sale",
};

export interface DemoTenant {
  token: string;
  campaignId: string;
  /** The FetchPlatformData job started for the demo campaign; "" without platforms. */
  fetchJobId: string;
}

/** The fake platforms' accounts to connect, by slug, and the ingestion service to create connections in. */
export interface DemoPlatformsSeed {
  ingestionAddr: string;
  accounts: Record<string, DemoPlatformAccount>;
}

export async function seedDemo(campaignAddr: string, platforms?: DemoPlatformsSeed): Promise<DemoTenant> {
  const identity = new IdentityServiceClient(campaignAddr, credentials.createInsecure());
  const campaigns = new CampaignServiceClient(campaignAddr, credentials.createInsecure());
  const ingestion = platforms ? new IngestionServiceClient(platforms.ingestionAddr, credentials.createInsecure()) : null;
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
      // The simulator sends ≈ 4 million events a day; the fake platforms report days of that size
      // (≈ 110,000 USD of spend a day), so 28 days of platform spend stay below the budget.
      budgetMicros: "5000000000000",
      timeZone: "America/New_York",
    });
    // The request_id makes a re-run find the campaign the first run created (v2: sized for platform data).
    let current = (await unaryCall(campaigns.createCampaign.bind(campaigns), { campaign, requestId: "demo-campaign-v2" }, md(), 10_000)).campaign!;
    let fetchJobId = "";
    if (platforms && ingestion) {
      for (const [platform, account] of Object.entries(platforms.accounts)) {
        const request = CreatePlatformConnectionRequest.fromPartial({
          platformConnection: { platform, accountId: account.accountId, displayName: `Demo ${platform}`, credentials: account.credentials },
        });
        try {
          await unaryCall(ingestion.createPlatformConnection.bind(ingestion), request, md(), 10_000);
        } catch (err) {
          // A re-run: the connection from the first run stays.
          if ((err as ServiceError).code !== status.ALREADY_EXISTS) throw err;
        }
      }
      const links: PlatformCampaignLink[] = Object.entries(platforms.accounts).map(([platform, a]) => ({
        platform,
        accountId: a.accountId,
        externalCampaignIds: a.campaignIds,
      }));
      if (JSON.stringify(current.platformLinks) !== JSON.stringify(links)) {
        // Only a DRAFT or PAUSED campaign can be updated.
        const active = current.status === CampaignStatus.CAMPAIGN_STATUS_ACTIVE;
        if (active) current = (await unaryCall(campaigns.pauseCampaign.bind(campaigns), { id: current.id, etag: "" }, md(), 10_000)).campaign!;
        current = (
          await unaryCall(
            campaigns.updateCampaign.bind(campaigns),
            { campaign: { ...current, platformLinks: links }, updateMask: ["platform_links"] },
            md(),
            10_000,
          )
        ).campaign!;
        if (active) current = (await unaryCall(campaigns.resumeCampaign.bind(campaigns), { id: current.id, etag: "" }, md(), 10_000)).campaign!;
      }
    }
    if (current.status === CampaignStatus.CAMPAIGN_STATUS_DRAFT) {
      await unaryCall(campaigns.launchCampaign.bind(campaigns), { id: current.id, etag: "" }, md(), 10_000);
    }
    if (ingestion) {
      const job = (await unaryCall(ingestion.fetchPlatformData.bind(ingestion), FetchPlatformDataRequest.fromPartial({ campaignId: current.id }), md(), 10_000))
        .job!;
      fetchJobId = job.id;
    }
    return { token, campaignId: current.id, fetchJobId };
  } finally {
    identity.close();
    campaigns.close();
    ingestion?.close();
  }
}
