import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { generateApiKeySecret } from "./contract/api-key.js";
import { AppError } from "./errors.js";
import { authorize, createTokenService, edit, ingest, own, read, SERVICE_ONLY, type Principal } from "./auth.js";

const secret = "a-test-secret-that-is-long-enough-123";

/** `reason` is the ErrorInfo reason a client branches on (issue 7: one per cause, not the code again). */
async function rejects(p: Promise<unknown>, code: string, reason: string, message?: RegExp) {
  await assert.rejects(p, (e: AppError) => {
    assert.deepEqual({ code: e.code, reason: e.reason }, { code, reason });
    return !message || message.test(e.message);
  });
}

describe("tokens", () => {
  it("round-trips a user token with tenant, subject and role", async () => {
    const tokens = createTokenService({ secret });
    const { token, expireTime } = await tokens.issueUserToken({ tenantId: "t1", userId: "u1", role: "EDITOR" });
    assert.ok(expireTime.getTime() > Date.now() + 3500_000);
    assert.deepEqual(await tokens.authenticate(`Bearer ${token}`), { kind: "user", tenantId: "t1", subject: "u1", role: "EDITOR", scopes: null });
  });

  it("refuses missing, malformed, foreign and expired credentials as UNAUTHENTICATED", async () => {
    const tokens = createTokenService({ secret });
    await rejects(tokens.authenticate(undefined), "UNAUTHENTICATED", "TOKEN_MISSING", /missing bearer/);
    await rejects(tokens.authenticate("Basic abc"), "UNAUTHENTICATED", "TOKEN_MISSING");
    const foreign = await createTokenService({ secret: `${secret}-other` }).issueUserToken({ tenantId: "t", userId: "u", role: "OWNER" });
    await rejects(tokens.authenticate(`Bearer ${foreign.token}`), "UNAUTHENTICATED", "TOKEN_INVALID", /invalid token/);
    const past = createTokenService({ secret, userTokenTtlSeconds: 60, now: () => new Date(Date.now() - 3600_000) });
    const old = await past.issueUserToken({ tenantId: "t", userId: "u", role: "OWNER" });
    await rejects(tokens.authenticate(`Bearer ${old.token}`), "UNAUTHENTICATED", "TOKEN_EXPIRED", /expired/);
    await rejects(tokens.authenticate("Bearer tly_unknown"), "UNAUTHENTICATED", "API_KEY_INVALID", /invalid API key/);
  });

  it("asks the API key verifier about well-formed tly_ keys only, and never remembers its answer", async () => {
    const asked: string[] = [];
    const principal: Principal = { kind: "api_key", tenantId: "t1", subject: "k1", role: null, scopes: ["read"] };
    let live = true;
    const tokens = createTokenService({ secret, apiKeys: { verify: async (s) => (asked.push(s), live ? principal : null) } });
    const key = generateApiKeySecret();
    assert.deepEqual(await tokens.authenticate(`Bearer ${key}`), principal);
    live = false;
    await rejects(tokens.authenticate(`Bearer ${key}`), "UNAUTHENTICATED", "API_KEY_INVALID", /invalid API key/);
    await rejects(tokens.authenticate(`Bearer ${key.slice(0, -1)}${key.endsWith("x") ? "y" : "x"}`), "UNAUTHENTICATED", "API_KEY_INVALID", /invalid API key/);
    assert.deepEqual(asked, [key, key], "the key with a bad checksum was refused without a lookup");
  });

  it("stops accepting a remembered token once it expires", async () => {
    let clock = Date.now();
    const tokens = createTokenService({ secret, userTokenTtlSeconds: 60, now: () => new Date(clock) });
    const { token } = await tokens.issueUserToken({ tenantId: "t", userId: "u", role: "VIEWER" });
    assert.equal((await tokens.authenticate(`Bearer ${token}`)).subject, "u");
    assert.equal((await tokens.authenticate(`Bearer ${token}`)).subject, "u", "served from the verified-token memory");
    clock += 61_000;
    await rejects(tokens.authenticate(`Bearer ${token}`), "UNAUTHENTICATED", "TOKEN_EXPIRED", /expired/);
  });

  it("mints service tokens per tenant and reuses them while fresh", async () => {
    const tokens = createTokenService({ secret });
    const a = await tokens.issueServiceToken("ingestion", "t1");
    assert.equal(await tokens.issueServiceToken("ingestion", "t1"), a);
    assert.notEqual(await tokens.issueServiceToken("ingestion", "t2"), a);
    assert.deepEqual(await tokens.authenticate(`Bearer ${a}`), { kind: "service", tenantId: "t1", subject: "ingestion", role: "OWNER", scopes: null });
  });
});

describe("authorize", () => {
  const user = (role: Principal["role"]): Principal => ({ kind: "user", tenantId: "t", subject: "u", role, scopes: null });
  const key = (scopes: Principal["scopes"]): Principal => ({ kind: "api_key", tenantId: "t", subject: "k", role: null, scopes });
  const service: Principal = { kind: "service", tenantId: "t", subject: "ingestion", role: "OWNER", scopes: null };
  // [name, principal, policy, null when allowed | the refusal's reason and ErrorInfo.metadata]
  const cases: [string, Principal, Parameters<typeof authorize>[1], [string, Record<string, string>] | null][] = [
    ["viewer reads", user("VIEWER"), read, null],
    ["viewer cannot edit", user("VIEWER"), edit, ["ROLE_TOO_LOW", { required_role: "ROLE_EDITOR", role: "ROLE_VIEWER" }]],
    ["editor edits", user("EDITOR"), edit, null],
    ["editor cannot manage users", user("EDITOR"), own, ["ROLE_TOO_LOW", { required_role: "ROLE_OWNER", role: "ROLE_EDITOR" }]],
    ["owner manages users", user("OWNER"), own, null],
    ["ingest key ingests", key(["ingest"]), ingest, null],
    ["ingest key cannot read", key(["ingest"]), read, ["SCOPE_NOT_ALLOWED", { required_scope: "API_KEY_SCOPE_READ", key_scopes: "API_KEY_SCOPE_INGEST" }]],
    ["read key cannot edit campaigns", key(["read"]), edit, ["SCOPE_NOT_ALLOWED", { key_scopes: "API_KEY_SCOPE_READ" }]],
    ["service acts inside its tenant", service, edit, null],
    ["users cannot call service-only methods", user("OWNER"), SERVICE_ONLY, ["SERVICE_ONLY", {}]],
  ];
  for (const [name, principal, policy, refusal] of cases) {
    it(name, () => {
      if (!refusal) return authorize(principal, policy);
      assert.throws(
        () => authorize(principal, policy),
        (e: AppError) => {
          assert.deepEqual([e.code, e.reason, e.options.metadata ?? {}], ["PERMISSION_DENIED", ...refusal]);
          return true;
        },
      );
    });
  }
});
