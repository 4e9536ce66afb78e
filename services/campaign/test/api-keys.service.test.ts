import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { Writable } from "node:stream";
import { after, before, describe, it } from "node:test";
import { status } from "@grpc/grpc-js";
import { Campaign, CampaignType } from "#gen/tally/campaign/v1/campaign.js";
import { ApiKeyVerificationServiceClient } from "#gen/tally/identity/v1/api_key_verification.js";
import { ApiKeyScope, Role } from "#gen/tally/identity/v1/identity.js";
import { createLogger } from "#common/logger.js";
import { call, callError, connect } from "../../../test/support/grpc.js";
import { uniqueName } from "../../../test/support/stack.js";
import { startCampaignHarness } from "./campaign-harness.js";

const { INGEST, READ } = { INGEST: ApiKeyScope.API_KEY_SCOPE_INGEST, READ: ApiKeyScope.API_KEY_SCOPE_READ };

// Everything the process logs, at trace level, to check that no secret ever reaches a log line.
const logLines: string[] = [];
const capture = new Writable({
  write(chunk, _enc, done) {
    logLines.push(String(chunk));
    done();
  },
});

let h: Awaited<ReturnType<typeof startCampaignHarness>>;
let verification: ApiKeyVerificationServiceClient;
before(async () => {
  h = await startCampaignHarness({ logger: createLogger("campaign", "trace", capture) });
  verification = connect(ApiKeyVerificationServiceClient, h.port);
});
after(async () => {
  verification.close();
  await h.stop();
});

async function register() {
  const email = `${uniqueName("owner")}@example.com`;
  const res = await call(h.identity, h.identity.register, { email, password: "correct horse battery", organizationName: "Acme" });
  return { email, token: res.accessToken, tenantId: res.organization!.id };
}

const createKey = (token: string, scopes: ApiKeyScope[], displayName = "server") => call(h.identity, h.identity.createApiKey, { displayName, scopes }, token);
const listKeys = (token: string, pageSize = 0, pageToken = "") => call(h.identity, h.identity.listApiKeys, { pageSize, pageToken }, token);
const draft = () =>
  Campaign.fromPartial({
    name: uniqueName("Key sale "),
    type: CampaignType.CAMPAIGN_TYPE_PROMOTION,
    currencyCode: "EUR",
    budgetMicros: "1000000",
    timeZone: "UTC",
  });

describe("API keys", () => {
  it("an OWNER creates a key whose secret is shown once, stored as its SHA-256, and listed without it", async () => {
    const owner = await register();
    const before = Date.now();
    const created = await createKey(owner.token, [READ, INGEST], "  nightly export ");
    assert.match(created.secret, /^tly_[0-9A-Za-z]{38}$/);
    const key = created.apiKey!;
    assert.deepEqual(
      { name: key.displayName, scopes: key.scopes, prefix: key.secretPrefix, lastUse: key.lastUseTime },
      { name: "nightly export", scopes: [INGEST, READ], prefix: created.secret.slice(0, 12), lastUse: undefined },
    );
    assert.ok(key.createTime!.getTime() >= before - 1000);

    const rows = await h.db("api_keys").where({ id: key.id });
    assert.equal(rows.length, 1);
    assert.equal(rows[0].secret_hash, createHash("sha256").update(created.secret).digest("hex"));
    assert.ok(!JSON.stringify(rows[0]).includes(created.secret.slice(12)), "no column holds the secret");

    const listed = await listKeys(owner.token);
    assert.deepEqual(
      listed.apiKeys.map((k) => k.id),
      [key.id],
    );
    assert.ok(!JSON.stringify(listed).includes(created.secret.slice(12)), "the list never carries the secret");
  });

  it("names every bad field; EDITORs, VIEWERs and API keys cannot manage keys", async () => {
    const owner = await register();
    const bad = await callError(h.identity, h.identity.createApiKey, { displayName: " ", scopes: [ApiKeyScope.API_KEY_SCOPE_UNSPECIFIED] }, owner.token);
    assert.equal(bad.code, status.INVALID_ARGUMENT);
    assert.deepEqual(bad.violations.map((v) => v.field).sort(), ["display_name", "scopes"]);
    const none = await callError(h.identity, h.identity.createApiKey, { displayName: "x", scopes: [] }, owner.token);
    assert.deepEqual(
      none.violations.map((v) => v.field),
      ["scopes"],
    );

    const email = `${uniqueName("editor")}@example.com`;
    await call(h.identity, h.identity.createUser, { email, password: "editor password", role: Role.ROLE_EDITOR }, owner.token);
    const editor = (await call(h.identity, h.identity.login, { email, password: "editor password" })).accessToken;
    const denied = await callError(h.identity, h.identity.createApiKey, { displayName: "x", scopes: [READ] }, editor);
    assert.equal(denied.code, status.PERMISSION_DENIED);

    const { secret } = await createKey(owner.token, [READ, INGEST]);
    for (const failure of [
      await callError(h.identity, h.identity.createApiKey, { displayName: "x", scopes: [READ] }, secret),
      await callError(h.identity, h.identity.listApiKeys, { pageSize: 0, pageToken: "" }, secret),
      await callError(h.identity, h.identity.createUser, { email: "a@example.com", password: "long enough pw", role: Role.ROLE_VIEWER }, secret),
    ]) {
      assert.deepEqual([failure.code, failure.message], [status.PERMISSION_DENIED, "API keys cannot call this method"]);
    }
  });

  it("a read key reads campaigns of its tenant only and cannot change them; an ingest-only key cannot read", async () => {
    const owner = await register();
    const other = await register();
    const mine = (await call(h.campaigns, h.campaigns.createCampaign, { campaign: draft(), requestId: "" }, owner.token)).campaign!;
    const theirs = (await call(h.campaigns, h.campaigns.createCampaign, { campaign: draft(), requestId: "" }, other.token)).campaign!;
    const reader = (await createKey(owner.token, [READ])).secret;
    const ingester = (await createKey(owner.token, [INGEST])).secret;

    assert.equal((await call(h.campaigns, h.campaigns.getCampaign, { id: mine.id }, reader)).campaign!.id, mine.id);
    assert.equal((await callError(h.campaigns, h.campaigns.getCampaign, { id: theirs.id }, reader)).code, status.NOT_FOUND);
    const write = await callError(h.campaigns, h.campaigns.createCampaign, { campaign: draft(), requestId: "" }, reader);
    assert.deepEqual([write.code, write.message], [status.PERMISSION_DENIED, "API keys cannot call this method"]);
    assert.equal(write.reason, "SCOPE_NOT_ALLOWED");
    const read = await callError(h.campaigns, h.campaigns.getCampaign, { id: mine.id }, ingester);
    // Issue 7: the scope in wire spelling (was "the read scope"), with a reason and metadata of its own.
    assert.deepEqual(
      [read.code, read.message, read.reason, read.metadata],
      [
        status.PERMISSION_DENIED,
        "API key lacks the API_KEY_SCOPE_READ scope",
        "SCOPE_NOT_ALLOWED",
        { required_scope: "API_KEY_SCOPE_READ", key_scopes: "API_KEY_SCOPE_INGEST" },
      ],
    );
  });

  it("a deleted key is refused at once; deleting an unknown or another tenant's key is NOT_FOUND", async () => {
    const owner = await register();
    const other = await register();
    const { apiKey, secret } = await createKey(owner.token, [READ]);
    await call(h.campaigns, h.campaigns.listCampaigns, { pageSize: 1, pageToken: "", filter: "", orderBy: "", showDeleted: false }, secret);

    const foreign = await callError(h.identity, h.identity.deleteApiKey, { id: apiKey!.id }, other.token);
    assert.deepEqual([foreign.code, foreign.reason], [status.NOT_FOUND, "API_KEY_NOT_FOUND"]);
    assert.equal((await callError(h.identity, h.identity.deleteApiKey, { id: "not-a-uuid" }, owner.token)).code, status.NOT_FOUND);

    await call(h.identity, h.identity.deleteApiKey, { id: apiKey!.id }, owner.token);
    const refused = await callError(
      h.campaigns,
      h.campaigns.listCampaigns,
      { pageSize: 1, pageToken: "", filter: "", orderBy: "", showDeleted: false },
      secret,
    );
    assert.deepEqual([refused.code, refused.message], [status.UNAUTHENTICATED, "invalid API key"]);
    assert.deepEqual((await listKeys(owner.token)).apiKeys, []);
    assert.equal((await callError(h.identity, h.identity.deleteApiKey, { id: apiKey!.id }, owner.token)).code, status.NOT_FOUND);
  });

  it("shows when a key was last used", async () => {
    const owner = await register();
    const { apiKey, secret } = await createKey(owner.token, [READ]);
    const before = Date.now();
    await call(h.campaigns, h.campaigns.listCampaigns, { pageSize: 1, pageToken: "", filter: "", orderBy: "", showDeleted: false }, secret);
    const listed = (await listKeys(owner.token)).apiKeys.find((k) => k.id === apiKey!.id)!;
    assert.ok(listed.lastUseTime, "last use is stamped on first use");
    assert.ok(Math.abs(listed.lastUseTime.getTime() - before) < 2000, `${listed.lastUseTime.toISOString()} is about now`);
  });

  it("pages through keys, newest first", async () => {
    const owner = await register();
    const ids: string[] = [];
    for (const name of ["a", "b", "c"]) ids.push((await createKey(owner.token, [READ], name)).apiKey!.id);
    const first = await listKeys(owner.token, 2);
    assert.deepEqual(
      first.apiKeys.map((k) => k.displayName),
      ["c", "b"],
    );
    const second = await listKeys(owner.token, 2, first.nextPageToken);
    assert.deepEqual([second.apiKeys.map((k) => k.displayName), second.nextPageToken], [["a"], ""]);
    const tampered = await callError(h.identity, h.identity.listApiKeys, { pageSize: 2, pageToken: `${first.nextPageToken}x` }, owner.token);
    assert.deepEqual(
      tampered.violations.map((v) => v.field),
      ["page_token"],
    );
  });

  it("VerifyApiKey answers service credentials only, by the secret's hash", async () => {
    const owner = await register();
    const { apiKey, secret } = await createKey(owner.token, [INGEST]);
    const hash = createHash("sha256").update(secret).digest();
    const asUser = await callError(verification, verification.verifyApiKey, { secretSha256: hash }, owner.token);
    assert.equal(asUser.code, status.PERMISSION_DENIED);
    const asKey = await callError(verification, verification.verifyApiKey, { secretSha256: hash }, secret);
    assert.equal(asKey.code, status.PERMISSION_DENIED);

    const service = await h.tokens.issueServiceToken("ingestion", "-");
    assert.deepEqual(await call(verification, verification.verifyApiKey, { secretSha256: hash }, service), {
      keyId: apiKey!.id,
      tenantId: owner.tenantId,
      scopes: ["ingest"],
    });
    const unknown = await callError(verification, verification.verifyApiKey, { secretSha256: Buffer.alloc(32) }, service);
    assert.deepEqual([unknown.code, unknown.reason], [status.NOT_FOUND, "API_KEY_NOT_FOUND"]);
    const short = await callError(verification, verification.verifyApiKey, { secretSha256: Buffer.alloc(3) }, service);
    assert.equal(short.code, status.INVALID_ARGUMENT);
  });

  it("no log line carries a secret", async () => {
    const owner = await register();
    const { apiKey, secret } = await createKey(owner.token, [READ]);
    await call(h.campaigns, h.campaigns.listCampaigns, { pageSize: 1, pageToken: "", filter: "", orderBy: "", showDeleted: false }, secret);
    await callError(h.campaigns, h.campaigns.createCampaign, { campaign: draft(), requestId: "" }, secret);
    await call(h.identity, h.identity.deleteApiKey, { id: apiKey!.id }, owner.token);
    await callError(h.campaigns, h.campaigns.getCampaign, { id: "x" }, secret);
    assert.ok(logLines.length > 10, `the process logged (${logLines.length} lines)`);
    const body = secret.slice(4);
    assert.deepEqual(
      logLines.filter((l) => l.includes(body)),
      [],
    );
  });
});
