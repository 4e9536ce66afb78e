import { createTokenService, type TokenService } from "../auth.js";
import { GrpcApiKeySource } from "../clients/api-key-verification-client.js";
import { CachedApiKeyVerifier, type ApiKeySource } from "./cached-api-key-verifier.js";

/**
 * The token service of a process that does not own API keys (ingestion, analytics): JWTs are
 * verified locally, API keys through the campaign service's ApiKeyVerificationService behind the
 * 1 s cache. The gRPC client mints its service tokens with the same token service.
 */
export function createTokenServiceWithRemoteKeys(opts: {
  secret: string;
  campaignAddr: string;
  callerService: string;
  cacheTtlMs: number;
  /** Tests may stand in for the campaign service. */
  source?: ApiKeySource;
}): { tokens: TokenService; close(): void } {
  let verifier: CachedApiKeyVerifier | undefined;
  const tokens = createTokenService({ secret: opts.secret, apiKeys: { verify: (secret) => verifier!.verify(secret) } });
  const client = opts.source ? null : new GrpcApiKeySource(opts.campaignAddr, tokens, opts.callerService);
  verifier = new CachedApiKeyVerifier(opts.source ?? client!, { ttlMs: opts.cacheTtlMs });
  return { tokens, close: () => client?.close() };
}
