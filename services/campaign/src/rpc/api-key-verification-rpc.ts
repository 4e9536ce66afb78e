import type { ApiKeyVerificationServiceServer } from "#gen/tally/identity/v1/api_key_verification.js";
import { SERVICE_ONLY } from "#common/auth.js";
import { notFound, Violations } from "#common/errors.js";
import type { RpcKit } from "#common/rpc.js";
import type { ApiKeyService } from "../domain/api-keys.js";

const M = "tally.identity.v1.ApiKeyVerificationService";

/** Internal: other services' CachedApiKeyVerifier asks here (service credential only; not routed by the edge). */
export function apiKeyVerificationRpc(kit: RpcKit, apiKeys: ApiKeyService): ApiKeyVerificationServiceServer {
  return {
    verifyApiKey: kit.unary(`${M}/VerifyApiKey`, SERVICE_ONLY, async (req) => {
      const v = new Violations();
      v.check(req.secretSha256.length === 32, "secret_sha256", "must be 32 bytes (SHA-256)");
      v.throwIfAny();
      const grant = await apiKeys.verify(Buffer.from(req.secretSha256));
      if (!grant) throw notFound("API key", "(by hash)", "API_KEY_NOT_FOUND");
      return { keyId: grant.keyId, tenantId: grant.tenantId, scopes: grant.scopes };
    }),
  };
}
