import { status as grpcStatus, type ServiceError } from "@grpc/grpc-js";
import { ApiKeyVerificationServiceClient } from "#gen/tally/identity/v1/api_key_verification.js";
import type { TokenService } from "../auth.js";
import type { ApiKeyGrant, ApiKeySource } from "../api-keys/cached-api-key-verifier.js";
import { parseScopes } from "../api-keys/scopes.js";
import { unavailable } from "../errors.js";
import { callMetadata, createClient, unaryCall } from "../grpc-client.js";

/** Service tokens name a tenant; a key lookup happens before the tenant is known. */
const ANY_TENANT = "-";

/**
 * Looks API keys up in the campaign service (tally.identity.v1.ApiKeyVerificationService, internal):
 * ingestion and analytics cannot read the campaign schema. Wrapped by CachedApiKeyVerifier.
 */
export class GrpcApiKeySource implements ApiKeySource {
  private readonly client: ApiKeyVerificationServiceClient;

  constructor(
    address: string,
    private readonly tokens: TokenService,
    private readonly callerService: string,
    private readonly timeoutMs = 1000,
  ) {
    this.client = createClient(ApiKeyVerificationServiceClient, address, "tally.identity.v1.ApiKeyVerificationService");
  }

  async lookup(secretSha256: Buffer): Promise<ApiKeyGrant | null> {
    const token = await this.tokens.issueServiceToken(this.callerService, ANY_TENANT);
    try {
      const res = await unaryCall(this.client.verifyApiKey.bind(this.client), { secretSha256 }, callMetadata(token), this.timeoutMs);
      return { keyId: res.keyId, tenantId: res.tenantId, scopes: parseScopes(res.scopes) };
    } catch (err) {
      if ((err as ServiceError).code === grpcStatus.NOT_FOUND) return null;
      throw unavailable("campaign service (API key verification)", err);
    }
  }

  close(): void {
    this.client.close();
  }
}
