import type { IdentityServiceServer } from "#gen/tally/identity/v1/identity.js";
import { own, PUBLIC } from "#common/auth.js";
import type { RpcKit } from "#common/rpc.js";
import type { IdentityService } from "../domain/identity-service.js";
import { organizationToProto, roleFromProto, userToProto } from "./convert.js";

const M = "tally.identity.v1.IdentityService";

export function identityRpc(kit: RpcKit, identity: IdentityService): IdentityServiceServer {
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
    // API keys arrive with their own issue; until then they answer UNIMPLEMENTED (after authentication).
    createApiKey: kit.unimplemented(`${M}/CreateApiKey`),
    listApiKeys: kit.unimplemented(`${M}/ListApiKeys`),
    deleteApiKey: kit.unimplemented(`${M}/DeleteApiKey`),
  };
}
