import { status as grpcStatus, type ServiceError } from "@grpc/grpc-js";
import { CampaignStatus, type Campaign } from "../../../../gen/tally/campaign/v1/campaign.js";
import { CampaignServiceClient } from "../../../../gen/tally/campaign/v1/campaign_service.js";
import type { TokenService } from "../auth.js";
import { unavailable } from "../errors.js";
import { callMetadata, createClient, unaryCall } from "../grpc-client.js";

export type CampaignState = "DRAFT" | "ACTIVE" | "PAUSED" | "COMPLETED" | "CANCELLED";

/** What other services need to know about a campaign. */
export interface CampaignInfo {
  id: string;
  tenantId: string;
  name: string;
  status: CampaignState;
  currencyCode: string;
  timeZone: string;
}

const STATES: Partial<Record<CampaignStatus, CampaignState>> = {
  [CampaignStatus.CAMPAIGN_STATUS_DRAFT]: "DRAFT",
  [CampaignStatus.CAMPAIGN_STATUS_ACTIVE]: "ACTIVE",
  [CampaignStatus.CAMPAIGN_STATUS_PAUSED]: "PAUSED",
  [CampaignStatus.CAMPAIGN_STATUS_COMPLETED]: "COMPLETED",
  [CampaignStatus.CAMPAIGN_STATUS_CANCELLED]: "CANCELLED",
};

/** The facts other services keep of a campaign; null for a status this code does not know. */
export function campaignInfoFromProto(c: Campaign, tenantId: string): CampaignInfo | null {
  const status = STATES[c.status];
  if (!status) return null;
  return { id: c.id, tenantId, name: c.name, status, currencyCode: c.currencyCode, timeZone: c.timeZone };
}

/**
 * Reads campaigns from the campaign service over gRPC, as the calling service acting for the tenant.
 * null means the campaign does not exist for that tenant (or is deleted); a campaign service that
 * cannot be reached is UNAVAILABLE, never "not found".
 */
export class GrpcCampaignLookup {
  private readonly client: CampaignServiceClient;

  constructor(
    address: string,
    private readonly tokens: TokenService,
    private readonly callerService: string,
    private readonly timeoutMs = 2000,
  ) {
    this.client = createClient(CampaignServiceClient, address, "tally.campaign.v1.CampaignService");
  }

  async get(tenantId: string, campaignId: string, requestId?: string): Promise<CampaignInfo | null> {
    const token = await this.tokens.issueServiceToken(this.callerService, tenantId);
    try {
      const res = await unaryCall(this.client.getCampaign.bind(this.client), { id: campaignId }, callMetadata(token, requestId), this.timeoutMs);
      return res.campaign ? campaignInfoFromProto(res.campaign, tenantId) : null;
    } catch (err) {
      const code = (err as ServiceError).code;
      if (code === grpcStatus.NOT_FOUND || code === grpcStatus.INVALID_ARGUMENT) return null;
      throw unavailable("campaign service", err);
    }
  }

  close(): void {
    this.client.close();
  }
}
