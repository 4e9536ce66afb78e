/**
 * Lists a tenant's campaigns through the campaign service (ListCampaigns, every page), acting as
 * the analytics service for that tenant. Only for ListCampaignPerformance without campaign ids.
 */
import type { ServiceError } from "@grpc/grpc-js";
import { CampaignServiceClient } from "../../../../gen/tally/campaign/v1/campaign_service.js";
import type { TokenService } from "../../../common/src/auth.js";
import { campaignInfoFromProto, type CampaignInfo } from "../../../common/src/clients/campaign-service-client.js";
import { unavailable } from "../../../common/src/errors.js";
import { callMetadata, createClient, unaryCall } from "../../../common/src/grpc-client.js";
import type { CampaignDirectory } from "../domain/performance.js";

/** Guards against a campaign service that keeps answering with a next page. */
const MAX_PAGES = 100;

export class GrpcCampaignDirectory implements CampaignDirectory {
  private readonly client: CampaignServiceClient;

  constructor(
    address: string,
    private readonly tokens: TokenService,
    private readonly callerService: string,
    private readonly timeoutMs = 5000,
  ) {
    this.client = createClient(CampaignServiceClient, address, "tally.campaign.v1.CampaignService");
  }

  async list(tenantId: string, requestId?: string): Promise<CampaignInfo[]> {
    const token = await this.tokens.issueServiceToken(this.callerService, tenantId);
    const out: CampaignInfo[] = [];
    let pageToken = "";
    try {
      for (let page = 0; page < MAX_PAGES; page++) {
        const req = { pageSize: 1000, pageToken, filter: "", orderBy: "" };
        const res = await unaryCall(this.client.listCampaigns.bind(this.client), req, callMetadata(token, requestId), this.timeoutMs);
        for (const c of res.campaigns) {
          const info = campaignInfoFromProto(c, tenantId);
          if (info) out.push(info);
        }
        pageToken = res.nextPageToken;
        if (!pageToken) break;
      }
    } catch (err) {
      throw unavailable("campaign service", err as ServiceError);
    }
    return out;
  }

  close(): void {
    this.client.close();
  }
}
