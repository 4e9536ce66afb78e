import { status as grpcStatus, type ServiceError } from "@grpc/grpc-js";
import { CampaignStatus, type Campaign } from "#gen/tally/campaign/v1/campaign.js";
import { CampaignServiceClient } from "#gen/tally/campaign/v1/campaign_service.js";
import type { TokenService } from "../auth.js";
import { unavailable } from "../errors.js";
import { callMetadata, createClient, unaryCall } from "../grpc-client.js";

export type CampaignState = "DRAFT" | "ACTIVE" | "PAUSED" | "COMPLETED" | "CANCELLED";

/** The external campaigns on one ad platform that a campaign covers (Campaign.platform_links). */
export interface PlatformLinkInfo {
  platform: string;
  /** The ad account; empty means the tenant's only connection of the platform. */
  accountId: string;
  externalCampaignIds: string[];
}

/** What other services need to know about a campaign. */
export interface CampaignInfo {
  id: string;
  tenantId: string;
  name: string;
  status: CampaignState;
  currencyCode: string;
  timeZone: string;
  /** Absent in entries cached before links existed: read as none. */
  platformLinks?: PlatformLinkInfo[];
  /** Total budget in micros of currencyCode, a decimal string like every int64 (JSON-safe in caches); absent when unknown. */
  budgetMicros?: string;
}

const STATES: Partial<Record<CampaignStatus, CampaignState>> = {
  [CampaignStatus.CAMPAIGN_STATUS_DRAFT]: "DRAFT",
  [CampaignStatus.CAMPAIGN_STATUS_ACTIVE]: "ACTIVE",
  [CampaignStatus.CAMPAIGN_STATUS_PAUSED]: "PAUSED",
  [CampaignStatus.CAMPAIGN_STATUS_COMPLETED]: "COMPLETED",
  [CampaignStatus.CAMPAIGN_STATUS_CANCELLED]: "CANCELLED",
};

/**
 * The facts other services keep of a campaign; null for a status this code does not know, and for
 * a soft-deleted campaign: GetCampaign returns those (AIP-164, with delete_time), but to every other
 * service a deleted campaign does not exist (no events, no insights).
 */
export function campaignInfoFromProto(c: Campaign, tenantId: string): CampaignInfo | null {
  const status = STATES[c.status];
  if (!status || c.deleteTime) return null;
  const platformLinks = c.platformLinks.map((l) => ({ platform: l.platform, accountId: l.accountId, externalCampaignIds: l.externalCampaignIds }));
  return { id: c.id, tenantId, name: c.name, status, currencyCode: c.currencyCode, timeZone: c.timeZone, budgetMicros: c.budgetMicros, platformLinks };
}

/** Per-call deadlines. A list walks every page, so it gets longer than a single get. */
export interface CampaignClientTimeouts {
  getMs?: number;
  listMs?: number;
}

/** Guards against a campaign service that keeps answering with a next page. */
const MAX_PAGES = 100;

/**
 * The one client of tally.campaign.v1.CampaignService: every call goes over one channel, as the
 * calling service acting for the tenant. A campaign service that cannot be reached is UNAVAILABLE,
 * never "not found".
 */
export class GrpcCampaignServiceClient {
  private readonly client: CampaignServiceClient;
  private readonly getMs: number;
  private readonly listMs: number;

  constructor(
    address: string,
    private readonly tokens: TokenService,
    private readonly callerService: string,
    timeouts: CampaignClientTimeouts = {},
  ) {
    this.client = createClient(CampaignServiceClient, address, "tally.campaign.v1.CampaignService");
    this.getMs = timeouts.getMs ?? 2000;
    this.listMs = timeouts.listMs ?? 5000;
  }

  /** null means the campaign does not exist for that tenant (or is deleted). */
  async get(tenantId: string, campaignId: string, requestId?: string): Promise<CampaignInfo | null> {
    const token = await this.tokens.issueServiceToken(this.callerService, tenantId);
    try {
      const res = await unaryCall(this.client.getCampaign.bind(this.client), { id: campaignId }, callMetadata(token, requestId), this.getMs);
      return res.campaign ? campaignInfoFromProto(res.campaign, tenantId) : null;
    } catch (err) {
      const code = (err as ServiceError).code;
      if (code === grpcStatus.NOT_FOUND || code === grpcStatus.INVALID_ARGUMENT) return null;
      throw unavailable("campaign service", err);
    }
  }

  /** Every campaign of the tenant (ListCampaigns, every page); each page has the list deadline. */
  async list(tenantId: string, requestId?: string): Promise<CampaignInfo[]> {
    const token = await this.tokens.issueServiceToken(this.callerService, tenantId);
    const out: CampaignInfo[] = [];
    let pageToken = "";
    try {
      for (let page = 0; page < MAX_PAGES; page++) {
        const req = { pageSize: 1000, pageToken, filter: "", orderBy: "", showDeleted: false };
        const res = await unaryCall(this.client.listCampaigns.bind(this.client), req, callMetadata(token, requestId), this.listMs);
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
