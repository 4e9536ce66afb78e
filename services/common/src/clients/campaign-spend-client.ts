import { credentials, type ServiceError } from "@grpc/grpc-js";
import { PacingState } from "#gen/tally/analytics/v1/analytics.js";
import { CampaignSpendServiceClient } from "#gen/tally/analytics/v1/campaign_spend.js";
import type { TokenService } from "../auth.js";
import { unavailable } from "../errors.js";
import { callMetadata, unaryCall } from "../grpc-client.js";

export type SpendPacingState = "ON_TRACK" | "APPROACHING" | "EXCEEDED";

/** A campaign's spend to date against its budget, as analytics computed it. */
export interface CampaignSpendInfo {
  /** Decimal string (int64), micros of the campaign's currency. */
  spendMicros: string;
  /** spend / budget; absent when the budget is 0. */
  budgetUtilization?: number;
  state: SpendPacingState | null;
}

const STATES: Partial<Record<PacingState, SpendPacingState>> = {
  [PacingState.PACING_STATE_ON_TRACK]: "ON_TRACK",
  [PacingState.PACING_STATE_APPROACHING]: "APPROACHING",
  [PacingState.PACING_STATE_EXCEEDED]: "EXCEEDED",
};

/**
 * The client of the internal tally.analytics.v1.CampaignSpendService, for GetCampaign. Its caller
 * goes on without the answer, so: a short deadline (300 ms by default) and no retries (a retry
 * would only spend the caller's time); anything but an answer is UNAVAILABLE.
 */
export class GrpcCampaignSpendClient {
  private readonly client: CampaignSpendServiceClient;

  constructor(
    address: string,
    private readonly tokens: TokenService,
    private readonly callerService: string,
    private readonly timeoutMs = 300,
  ) {
    this.client = new CampaignSpendServiceClient(address, credentials.createInsecure(), { "grpc.enable_retries": 0, "grpc.keepalive_time_ms": 30_000 });
  }

  async spendOf(tenantId: string, campaign: { id: string; budgetMicros: string; timeZone: string }, requestId?: string): Promise<CampaignSpendInfo> {
    const token = await this.tokens.issueServiceToken(this.callerService, tenantId);
    try {
      const res = await unaryCall(
        this.client.getCampaignSpend.bind(this.client),
        { campaignId: campaign.id, budgetMicros: campaign.budgetMicros, timeZone: campaign.timeZone },
        callMetadata(token, requestId),
        this.timeoutMs,
      );
      const p = res.pacing;
      return { spendMicros: p?.spendMicros ?? "0", budgetUtilization: p?.budgetUtilization, state: (p && STATES[p.state]) ?? null };
    } catch (err) {
      throw unavailable("analytics service (campaign spend)", err as ServiceError);
    }
  }

  close(): void {
    this.client.close();
  }
}
