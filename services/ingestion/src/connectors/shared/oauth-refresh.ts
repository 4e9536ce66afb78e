/**
 * OAuth 2.0 refresh-token grant (RFC 6749 §6), as Google (https://oauth2.googleapis.com/token) and
 * LinkedIn (https://www.linkedin.com/oauth/v2/accessToken) implement it: a form POST with
 * grant_type=refresh_token, refresh_token, client_id, client_secret; the answer holds access_token
 * and, where the platform rotates it, a new refresh_token. invalid_grant (400/401) means the tenant
 * must reconnect.
 */
import { PlatformError, type PlatformCredentials, type PlatformSlug } from "../platform-connector.js";
import { callPlatform, field, httpVerdict, type ConnectorRuntime } from "./platform-http.js";

export async function refreshOAuthToken(
  platform: PlatformSlug,
  runtime: ConnectorRuntime,
  tokenUrl: string,
  credentials: PlatformCredentials,
  signal?: AbortSignal,
): Promise<PlatformCredentials> {
  const { refreshToken, clientId, clientSecret } = credentials;
  if (!refreshToken || !clientId || !clientSecret) {
    throw new PlatformError(platform, "AUTH_REQUIRED", "the access token was refused and the connection holds no refresh token and client to renew it");
  }
  const form = new URLSearchParams({ grant_type: "refresh_token", refresh_token: refreshToken, client_id: clientId, client_secret: clientSecret });
  const response = await callPlatform({
    platform,
    runtime,
    label: "POST token refresh",
    signal,
    send: (s) => runtime.fetch(tokenUrl, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: form, signal: s }),
    classify: (r) => {
      const verdict = httpVerdict(r, runtime.now(), `token refresh answered ${r.status} ${String(field(r.body, "error") ?? "")}`.trim());
      // 400 invalid_grant: the refresh token is revoked or expired. Reconnecting is the only cure.
      return verdict.kind === "fail" || verdict.kind === "auth" ? { kind: "fail", reason: "AUTH_REQUIRED", message: verdict.message } : verdict;
    },
  });
  const accessToken = field(response.body, "access_token");
  if (typeof accessToken !== "string" || accessToken === "") throw new PlatformError(platform, "BAD_RESPONSE", "token refresh answered without access_token");
  const rotated = field(response.body, "refresh_token");
  return { ...credentials, accessToken, refreshToken: typeof rotated === "string" && rotated !== "" ? rotated : refreshToken };
}
