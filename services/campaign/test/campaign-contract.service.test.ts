/**
 * The campaign contract points of issue 7 over gRPC: etags compared without quotes, If-Match, the
 * etag response header.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Metadata, status, type Client, type ServiceError } from "@grpc/grpc-js";
import { Campaign, CampaignStatus, CampaignType } from "#gen/tally/campaign/v1/campaign.js";
import { CampaignEvent, CampaignEventType } from "#gen/tally/events/v1/events.js";
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
    const list = await callWith(h.campaigns, h.campaigns.listCampaigns, { pageSize: 0, pageToken: "", filter: "", orderBy: "", showDeleted: false }, token);
    assert.deepEqual(list.headers.get("etag"), [], "a list has no single etag");
  });
});

const list = (token: string, q: { filter?: string; showDeleted?: boolean; orderBy?: string; pageSize?: number; pageToken?: string } = {}) =>
  call(h.campaigns, h.campaigns.listCampaigns, { pageSize: 0, pageToken: "", filter: "", orderBy: "name", showDeleted: false, ...q }, token);

describe("soft delete (AIP-164)", () => {
  it("keeps a deleted campaign readable by id, lists it only with show_deleted, and undeletes it in its status", async () => {
    const token = await register();
    const c = await create(token, { name: "Undo me" });
    await create(token, { name: "Stays" });
    const cancelled = (await call(h.campaigns, h.campaigns.cancelCampaign, { id: c.id, etag: "" }, token)).campaign!;
    const deleted = (await call(h.campaigns, h.campaigns.deleteCampaign, { id: c.id, etag: cancelled.etag }, token)).campaign!;
    assert.ok(deleted.deleteTime instanceof Date, "DeleteCampaign answers the deleted campaign");
    assert.equal(deleted.etag, '"3"');
    const got = (await call(h.campaigns, h.campaigns.getCampaign, { id: c.id }, token)).campaign!;
    assert.deepEqual([got.status, got.deleteTime], [CampaignStatus.CAMPAIGN_STATUS_CANCELLED, deleted.deleteTime]);
    assert.deepEqual(
      (await list(token)).campaigns.map((x) => x.name),
      ["Stays"],
    );
    assert.deepEqual(
      (await list(token, { showDeleted: true })).campaigns.map((x) => [x.name, x.deleteTime !== undefined]),
      [
        ["Stays", false],
        ["Undo me", true],
      ],
    );
    const launch = await callError(h.campaigns, h.campaigns.launchCampaign, { id: c.id, etag: "" }, token);
    assert.deepEqual([launch.code, launch.reason], [status.NOT_FOUND, "CAMPAIGN_NOT_FOUND"], "a deleted campaign cannot change but by undelete");
    const stale = await callError(h.campaigns, h.campaigns.undeleteCampaign, { id: c.id, etag: cancelled.etag }, token);
    assert.equal(stale.reason, "ETAG_MISMATCH");
    const restored = (await call(h.campaigns, h.campaigns.undeleteCampaign, { id: c.id, etag: deleted.etag }, token)).campaign!;
    assert.deepEqual([restored.status, restored.deleteTime, restored.etag], [CampaignStatus.CAMPAIGN_STATUS_CANCELLED, undefined, '"4"']);
    assert.deepEqual(
      (await list(token)).campaigns.map((x) => x.name),
      ["Stays", "Undo me"],
    );
    const again = await callError(h.campaigns, h.campaigns.undeleteCampaign, { id: c.id, etag: "" }, token);
    assert.deepEqual([again.code, again.reason, again.metadata], [status.ALREADY_EXISTS, "CAMPAIGN_NOT_DELETED", { campaign_id: c.id }]);
  });

  it("frees the name at delete, and refuses an undelete whose name a live campaign took meanwhile", async () => {
    const token = await register();
    const c = await create(token, { name: "Summer" });
    await call(h.campaigns, h.campaigns.deleteCampaign, { id: c.id, etag: "" }, token);
    const successor = await create(token, { name: "SUMMER" });
    const taken = await callError(h.campaigns, h.campaigns.undeleteCampaign, { id: c.id, etag: "" }, token);
    assert.deepEqual([taken.code, taken.reason, taken.metadata], [status.ALREADY_EXISTS, "CAMPAIGN_NAME_TAKEN", { campaign_id: successor.id }]);
    assert.ok((await call(h.campaigns, h.campaigns.getCampaign, { id: c.id }, token)).campaign!.deleteTime, "still deleted");
  });

  it("publishes DELETED then UNDELETED through the outbox, the undeleted event carrying the live campaign", async () => {
    const token = await register();
    const c = await create(token);
    await call(h.campaigns, h.campaigns.deleteCampaign, { id: c.id, etag: "" }, token);
    await call(h.campaigns, h.campaigns.undeleteCampaign, { id: c.id, etag: "" }, token);
    const consumer = h.kafka.consumer({ groupId: uniqueName("undelete-test") });
    await consumer.connect();
    await consumer.subscribe({ topic: h.topics.campaignEvents, fromBeginning: true });
    const seen: CampaignEvent[] = [];
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((resolve) => {
        void consumer.run({
          eachMessage: async ({ message }) => {
            const e = CampaignEvent.decode(message.value!);
            if (e.campaign?.id === c.id) seen.push(e);
            if (seen.length === 3) resolve();
          },
        });
      }),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`saw ${seen.length} events`)), 15_000))),
    ]).finally(() => clearTimeout(timer));
    await consumer.disconnect();
    assert.deepEqual(
      seen.map((e) => [e.type, e.campaign!.deleteTime !== undefined]),
      [
        [CampaignEventType.CAMPAIGN_EVENT_TYPE_CREATED, false],
        [CampaignEventType.CAMPAIGN_EVENT_TYPE_DELETED, true],
        [CampaignEventType.CAMPAIGN_EVENT_TYPE_UNDELETED, false],
      ],
    );
  });

  it("refuses undelete of an unknown or another tenant's campaign with NOT_FOUND", async () => {
    const a = await register();
    const b = await register();
    const c = await create(a);
    await call(h.campaigns, h.campaigns.deleteCampaign, { id: c.id, etag: "" }, a);
    for (const id of [c.id, "00000000-0000-4000-8000-000000000000"]) {
      assert.equal((await callError(h.campaigns, h.campaigns.undeleteCampaign, { id, etag: "" }, b)).code, status.NOT_FOUND);
    }
  });
});

describe("filter grammar", () => {
  it("filters by status lists, type, name and time, joined by AND", async () => {
    const token = await register();
    const draftPromo = await create(token, { name: "Draft promo" });
    const activeLoyalty = await create(token, { name: "Active loyalty", type: CampaignType.CAMPAIGN_TYPE_LOYALTY });
    const pausedPromo = await create(token, { name: "Paused promo" });
    await call(h.campaigns, h.campaigns.launchCampaign, { id: activeLoyalty.id, etag: "" }, token);
    await call(h.campaigns, h.campaigns.launchCampaign, { id: pausedPromo.id, etag: "" }, token);
    await call(h.campaigns, h.campaigns.pauseCampaign, { id: pausedPromo.id, etag: "" }, token);
    const names = async (filter: string) => (await list(token, { filter })).campaigns.map((c) => c.name);
    assert.deepEqual(await names("status=(ACTIVE OR PAUSED)"), ["Active loyalty", "Paused promo"]);
    assert.deepEqual(await names("status!=(ACTIVE OR PAUSED)"), ["Draft promo"]);
    assert.deepEqual(await names("type=CAMPAIGN_TYPE_PROMOTION AND status=(DRAFT OR ACTIVE)"), ["Draft promo"]);
    assert.deepEqual(await names('name:"PROMO" AND type=promotion'), ["Draft promo", "Paused promo"]);
    assert.deepEqual(await names('name="paused PROMO"'), ["Paused promo"]);
    assert.deepEqual(await names("name:%"), [], "LIKE wildcards are literal");
    const at = (c: Campaign) => c.createTime!.toISOString();
    assert.deepEqual(await names(`create_time>"${at(draftPromo)}"`), ["Active loyalty", "Paused promo"]);
    assert.deepEqual(await names(`create_time<=${at(activeLoyalty)}`), ["Active loyalty", "Draft promo"]);
    assert.deepEqual(await names('launch_time>="2000-01-01T00:00:00Z"'), ["Active loyalty", "Paused promo"], "never launched: no launch_time, no match");
    // The name filter is a bind parameter, never SQL text.
    assert.deepEqual(await names(`name:"x' OR '1'='1"`), []);
  });

  it("names the position of a malformed filter in INVALID_ARGUMENT on filter", async () => {
    const token = await register();
    const bad = await callError(
      h.campaigns,
      h.campaigns.listCampaigns,
      { pageSize: 0, pageToken: "", filter: "status=(ACTIVE PAUSED)", orderBy: "", showDeleted: false },
      token,
    );
    assert.equal(bad.code, status.INVALID_ARGUMENT);
    assert.deepEqual(bad.violations, [{ field: "filter", description: 'at character 16: expected OR or ) in the value list, found "PAUSED)"' }]);
  });
});
