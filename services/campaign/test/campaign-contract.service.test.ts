/**
 * The campaign contract points of issue 7 over gRPC: etags compared without quotes, If-Match, the
 * etag response header.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Metadata, status, type Client, type ServiceError } from "@grpc/grpc-js";
import { Campaign, CampaignStatus, CampaignType } from "#gen/tally/campaign/v1/campaign.js";
import { decodeStatusDetails } from "#common/grpc-status.js";
import { authMd, call, callError, type CallFailure } from "../../../test/support/grpc.js";
import { uniqueName } from "../../../test/support/stack.js";
import { startCampaignHarness } from "./campaign-harness.js";

type Harness = Awaited<ReturnType<typeof startCampaignHarness>>;
let h: Harness;

before(async () => {
  h = await startCampaignHarness();
});
after(async () => {
  await h.stop();
});

async function register() {
  const res = await call(h.identity, h.identity.register, {
    email: `${uniqueName("owner")}@example.com`,
    password: "correct horse battery",
    organizationName: "Contract",
  });
  return res.accessToken;
}

const draft = (over: Partial<Campaign> = {}): Campaign =>
  Campaign.fromPartial({
    name: uniqueName("Contract "),
    type: CampaignType.CAMPAIGN_TYPE_PROMOTION,
    currencyCode: "EUR",
    budgetMicros: "1000000",
    timeZone: "UTC",
    ...over,
  });

async function create(token: string, over: Partial<Campaign> = {}) {
  return (await call(h.campaigns, h.campaigns.createCampaign, { campaign: draft(over), requestId: "" }, token)).campaign!;
}

type Unary<Req, Res> = (
  req: Req,
  md: Metadata,
  options: object,
  cb: (err: ServiceError | null, res: Res) => void,
) => { on(e: "metadata", l: (md: Metadata) => void): unknown };

/** Calls with extra request headers; resolves with the response (or the failure) and the response headers. */
function callWith<Req, Res>(client: Client, method: Unary<Req, Res>, req: Req, token: string, headers: Record<string, string> = {}) {
  const md = authMd(token);
  for (const [k, v] of Object.entries(headers)) md.set(k, v);
  return new Promise<{ res?: Res; err?: CallFailure; headers: Metadata }>((resolve) => {
    let received = new Metadata();
    const c = method.call(client, req, md, {}, (err, res) =>
      resolve(err ? { err: { code: err.code, message: err.details, ...decodeStatusDetails(err) }, headers: err.metadata } : { res, headers: received }),
    );
    c.on("metadata", (m) => (received = m));
  });
}

describe("etags", () => {
  it("compares etags without their quotes, in the body field and in If-Match", async () => {
    const token = await register();
    const c = await create(token);
    assert.equal(c.etag, '"1"');
    const launched = await callWith(h.campaigns, h.campaigns.launchCampaign, { id: c.id, etag: "1" }, token);
    assert.equal(launched.res!.campaign!.status, CampaignStatus.CAMPAIGN_STATUS_ACTIVE, 'unquoted 1 is the etag "1"');
    const paused = await callWith(h.campaigns, h.campaigns.pauseCampaign, { id: c.id, etag: "" }, token, { "if-match": '"2"' });
    assert.equal(paused.res!.campaign!.etag, '"3"');
    const stale = await callWith(h.campaigns, h.campaigns.resumeCampaign, { id: c.id, etag: "" }, token, { "if-match": "2" });
    assert.equal(stale.err!.code, status.ABORTED);
    assert.deepEqual([stale.err!.reason, stale.err!.metadata], ["ETAG_MISMATCH", { campaign_id: c.id, etag: '"3"' }]);
    const staleBody = await callWith(h.campaigns, h.campaigns.resumeCampaign, { id: c.id, etag: '"3"' }, token, { "if-match": '"2"' });
    assert.equal(staleBody.err!.reason, "ETAG_MISMATCH", "both are checked: a current body etag does not excuse a stale If-Match");
    const anyEtag = await callWith(h.campaigns, h.campaigns.resumeCampaign, { id: c.id, etag: "" }, token, { "if-match": "*" });
    assert.equal(anyEtag.res!.campaign!.status, CampaignStatus.CAMPAIGN_STATUS_ACTIVE);
  });

  it("refuses weak etags with INVALID_ARGUMENT naming where they came from", async () => {
    const token = await register();
    const c = await create(token);
    const weakIfMatch = await callWith(h.campaigns, h.campaigns.launchCampaign, { id: c.id, etag: "" }, token, { "if-match": 'W/"1"' });
    assert.equal(weakIfMatch.err!.code, status.INVALID_ARGUMENT);
    assert.deepEqual(
      weakIfMatch.err!.violations.map((v) => v.field),
      ["if-match"],
    );
    const weakBody = await callError(h.campaigns, h.campaigns.updateCampaign, { campaign: { ...c, etag: 'W/"1"' }, updateMask: ["description"] }, token);
    assert.deepEqual(
      weakBody.violations.map((v) => v.field),
      ["campaign.etag"],
    );
  });

  it("honours If-Match on update and delete", async () => {
    const token = await register();
    const c = await create(token);
    const update = (ifMatch: string) =>
      callWith(h.campaigns, h.campaigns.updateCampaign, { campaign: { ...c, etag: "", description: "changed" }, updateMask: ["description"] }, token, {
        "if-match": ifMatch,
      });
    assert.equal((await update('"1"')).res!.campaign!.description, "changed");
    assert.equal((await update('"1"')).err!.reason, "ETAG_MISMATCH");
    const del = await callWith(h.campaigns, h.campaigns.deleteCampaign, { id: c.id, etag: "" }, token, { "if-match": '"1"' });
    assert.equal(del.err!.code, status.ABORTED);
    const ok = await callWith(h.campaigns, h.campaigns.deleteCampaign, { id: c.id, etag: "" }, token, { "if-match": "2" });
    assert.equal(ok.err, undefined);
  });

  it("sends the campaign's etag as the etag response header on get, create, update and lifecycle", async () => {
    const token = await register();
    const created = await callWith(h.campaigns, h.campaigns.createCampaign, { campaign: draft(), requestId: "" }, token);
    const c = created.res!.campaign!;
    assert.deepEqual(created.headers.get("etag"), ['"1"']);
    assert.deepEqual((await callWith(h.campaigns, h.campaigns.getCampaign, { id: c.id }, token)).headers.get("etag"), ['"1"']);
    const updated = await callWith(h.campaigns, h.campaigns.updateCampaign, { campaign: { ...c, description: "x" }, updateMask: ["description"] }, token);
    assert.deepEqual(updated.headers.get("etag"), ['"2"']);
    assert.deepEqual((await callWith(h.campaigns, h.campaigns.launchCampaign, { id: c.id, etag: "" }, token)).headers.get("etag"), ['"3"']);
    const list = await callWith(h.campaigns, h.campaigns.listCampaigns, { pageSize: 0, pageToken: "", filter: "", orderBy: "" }, token);
    assert.deepEqual(list.headers.get("etag"), [], "a list has no single etag");
  });
});
