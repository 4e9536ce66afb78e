import { CampaignServiceService } from "#gen/tally/campaign/v1/campaign_service.js";
import { ApiKeyVerificationServiceService } from "#gen/tally/identity/v1/api_key_verification.js";
import { IdentityServiceService } from "#gen/tally/identity/v1/identity.js";
import type { TokenService } from "#common/auth.js";
import { createGrpcServer, type GrpcServer } from "#common/grpc-server.js";
import type { Logger } from "#common/logger.js";
import type { Metrics } from "#common/metrics.js";
import type { RateLimiter } from "#common/rate-limit/rate-limit.js";
import { createRpcKit } from "#common/rpc.js";
import type { ApiKeyService } from "./domain/api-keys.js";
import type { Tracing } from "#common/tracing.js";
import type { CampaignService } from "./domain/campaign-service.js";
import type { ConversionActionService } from "./domain/conversion-actions.js";
import type { SpendReader } from "./domain/campaign-spend.js";
import type { IdentityService } from "./domain/identity-service.js";
import { apiKeyVerificationRpc } from "./rpc/api-key-verification-rpc.js";
import { campaignRpc } from "./rpc/campaign-rpc.js";
import { identityRpc } from "./rpc/identity-rpc.js";

export interface CampaignServerDeps {
  logger: Logger;
  metrics: Metrics;
  /** Per-credential rate limits; none when switched off. */
  limiter?: RateLimiter;
  tokens: TokenService;
  campaigns: CampaignService;
  conversionActions: ConversionActionService;
  /** Spend for GetCampaign, from analytics. */
  spend: SpendReader;
  identity: IdentityService;
  apiKeys: ApiKeyService;
  tracing?: Tracing;
}

/** Builds the server (CampaignService, IdentityService, the internal ApiKeyVerificationService); the caller decides when and where it listens. */
export function createServer(deps: CampaignServerDeps): GrpcServer {
  const kit = createRpcKit({ logger: deps.logger, tokens: deps.tokens, metrics: deps.metrics, limiter: deps.limiter, tracing: deps.tracing });
  return createGrpcServer({
    logger: deps.logger,
    services: [
      {
        name: "tally.campaign.v1.CampaignService",
        definition: CampaignServiceService,
        implementation: campaignRpc(kit, deps.campaigns, deps.conversionActions, deps.spend),
      },
      { name: "tally.identity.v1.IdentityService", definition: IdentityServiceService, implementation: identityRpc(kit, deps.identity, deps.apiKeys) },
      {
        name: "tally.identity.v1.ApiKeyVerificationService",
        definition: ApiKeyVerificationServiceService,
        implementation: apiKeyVerificationRpc(kit, deps.apiKeys),
      },
    ],
  });
}
