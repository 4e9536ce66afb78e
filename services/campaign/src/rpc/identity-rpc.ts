import type { IdentityServiceServer } from "#gen/tally/identity/v1/identity.js";
import { own, PUBLIC } from "#common/auth.js";
import type { RpcKit } from "#common/rpc.js";
import type { ApiKeyService } from "../domain/api-keys.js";
import type { IdentityService } from "../domain/identity-service.js";
import { apiKeyToProto, organizationToProto, roleFromProto, scopeFromProto, userToProto } from "./convert.js";

const M = "tally.identity.v1.IdentityService";

export function identityRpc(kit: RpcKit, identity: IdentityService, apiKeys: ApiKeyService): IdentityServiceServer {
  return {
    register: kit.unary(`${M}/Register`, PUBLIC, async (req) => {
      const r = await identity.register(req);
      return { accessToken: r.accessToken, expireTime: r.expireTime, organization: organizationToProto(r.organization), user: userToProto(r.user) };
    }),
    login: kit.unary(`${M}/Login`, PUBLIC, async (req) => {
      const r = await identity.login(req);
      return { accessToken: r.accessToken, expireTime: r.expireTime, user: userToProto(r.user) };
    }),
    createUser: kit.unary(`${M}/CreateUser`, own, async (req, ctx) => ({
      user: userToProto(await identity.createUser(ctx.principal.tenantId, { email: req.email, password: req.password, role: roleFromProto(req.role) })),
    })),
    createApiKey: kit.unary(`${M}/CreateApiKey`, own, async (req, ctx) => {
      const { apiKey, secret } = await apiKeys.create(ctx.principal.tenantId, { displayName: req.displayName, scopes: req.scopes.map(scopeFromProto) });
      return { apiKey: apiKeyToProto(apiKey), secret };
    }),
    listApiKeys: kit.unary(`${M}/ListApiKeys`, own, async (req, ctx) => {
      const page = await apiKeys.list(ctx.principal.tenantId, { pageSize: req.pageSize, pageToken: req.pageToken });
      return { apiKeys: page.apiKeys.map(apiKeyToProto), nextPageToken: page.nextPageToken };
    }),
    deleteApiKey: kit.unary(`${M}/DeleteApiKey`, own, async (req, ctx) => {
      await apiKeys.delete(ctx.principal.tenantId, req.id);
      return {};
    }),
  };
}
