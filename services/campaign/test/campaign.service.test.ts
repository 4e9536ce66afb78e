import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { status } from "@grpc/grpc-js";
import { Campaign, CampaignStatus, CampaignType } from "#gen/tally/campaign/v1/campaign.js";
import { CampaignEvent, CampaignEventType } from "#gen/tally/events/v1/events.js";
import { Role } from "#gen/tally/identity/v1/identity.js";
import { call, callError } from "../../../test/support/grpc.js";
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

async function register(org = "Acme") {
  const email = `${uniqueName("owner")}@example.com`;
  const res = await call(h.identity, h.identity.register, { email, password: "correct horse battery", organizationName: org });
  return { email, token: res.accessToken, tenantId: res.organization!.id };
}

const draft = (over: Partial<Campaign> = {}): Campaign =>
  Campaign.fromPartial({
    name: uniqueName("Spring sale "),
    type: CampaignType.CAMPAIGN_TYPE_PROMOTION,
    platforms: ["Meta", "google"],
    currencyCode: "eur",
    budgetMicros: "5000000000",
    timeZone: "Europe/Berlin",
    ...over,
  });

async function create(token: string, over: Partial<Campaign> = {}, requestId = "") {
  return (await call(h.campaigns, h.campaigns.createCampaign, { campaign: draft(over), requestId }, token)).campaign!;
}

describe("identity", () => {
  it("registers an OWNER, logs in, and answers unknown email and wrong password alike", async () => {
    const { email } = await register();
    const login = await call(h.identity, h.identity.login, { email: email.toUpperCase(), password: "correct horse battery" });
    assert.equal(login.user!.role, Role.ROLE_OWNER);
    assert.ok(login.expireTime! > new Date());
    const wrong = await callError(h.identity, h.identity.login, { email, password: "wrong password!" });
    const unknown = await callError(h.identity, h.identity.login, { email: "nobody@example.com", password: "wrong password!" });
    assert.equal(wrong.code, status.UNAUTHENTICATED);
    assert.deepEqual([wrong.reason, wrong.message], [unknown.reason, unknown.message]);
    assert.equal(wrong.reason, "INVALID_CREDENTIALS");
  });

  it("names every bad registration field at once, and refuses a taken email", async () => {
    const bad = await callError(h.identity, h.identity.register, { email: "nope", password: "short", organizationName: "" });
    assert.equal(bad.code, status.INVALID_ARGUMENT);
    assert.deepEqual(bad.violations.map((v) => v.field).sort(), ["email", "organization_name", "password"]);
    const { email } = await register();
    const taken = await callError(h.identity, h.identity.register, { email, password: "another long one", organizationName: "X" });
    assert.equal(taken.code, status.ALREADY_EXISTS);
    assert.equal(taken.reason, "EMAIL_TAKEN");
  });

  it("lets an OWNER add a VIEWER, who can read but not write", async () => {
    const owner = await register();
    const c = await create(owner.token);
    const email = `${uniqueName("viewer")}@example.com`;
    await call(h.identity, h.identity.createUser, { email, password: "viewer password", role: Role.ROLE_VIEWER }, owner.token);
    const viewer = (await call(h.identity, h.identity.login, { email, password: "viewer password" })).accessToken;
    assert.equal((await call(h.campaigns, h.campaigns.getCampaign, { id: c.id }, viewer)).campaign!.id, c.id);
    const denied = await callError(h.campaigns, h.campaigns.createCampaign, { campaign: draft(), requestId: "" }, viewer);
    assert.equal(denied.code, status.PERMISSION_DENIED);
    assert.deepEqual([denied.reason, denied.metadata], ["ROLE_TOO_LOW", { required_role: "ROLE_EDITOR", role: "ROLE_VIEWER" }]);
    const noUsers = await callError(h.identity, h.identity.createUser, { email: "x@example.com", password: "long enough pw", role: Role.ROLE_OWNER }, viewer);
    assert.equal(noUsers.code, status.PERMISSION_DENIED);
  });

  it("requires a credential everywhere but Register and Login", async () => {
    const none = await callError(h.campaigns, h.campaigns.getCampaign, { id: "x" });
    assert.deepEqual([none.code, none.reason], [status.UNAUTHENTICATED, "TOKEN_MISSING"]);
    const forged = await callError(h.campaigns, h.campaigns.getCampaign, { id: "x" }, "eyJhbGciOiJIUzI1NiJ9.e30.forged");
    assert.deepEqual([forged.code, forged.reason], [status.UNAUTHENTICATED, "TOKEN_INVALID"]);
  });
});

describe("campaigns", () => {
  it("creates a DRAFT with normalised fields, and a retried request_id returns the same campaign", async () => {
    const { token } = await register();
    const c = await create(token, {}, "req-1");
    assert.equal(c.status, CampaignStatus.CAMPAIGN_STATUS_DRAFT);
    assert.deepEqual(c.platforms, ["meta", "google"]);
    assert.equal(c.currencyCode, "EUR");
    assert.equal(c.budgetMicros, "5000000000");
    assert.equal(c.etag, '"1"');
    const again = await create(token, { name: "some other name" }, "req-1");
    assert.equal(again.id, c.id);
    assert.equal(again.name, c.name);
  });

  it("names every invalid field at once", async () => {
    const { token } = await register();
    const start = new Date("2026-01-10T00:00:00Z");
    const bad = await callError(
      h.campaigns,
      h.campaigns.createCampaign,
      {
        campaign: draft({
          name: "ab",
          type: CampaignType.CAMPAIGN_TYPE_UNSPECIFIED,
          currencyCode: "EURO",
          budgetMicros: "0",
          timeZone: "Mars/Base",
          platforms: ["Bad Slug"],
          startTime: start,
          endTime: start,
        }),
        requestId: "",
      },
      token,
    );
    assert.equal(bad.code, status.INVALID_ARGUMENT);
    assert.equal(bad.reason, "INVALID_ARGUMENT");
    assert.equal(bad.domain, "tally.dev");
    assert.deepEqual(bad.violations.map((v) => v.field).sort(), [
      "campaign.budget_micros",
      "campaign.currency_code",
      "campaign.end_time",
      "campaign.name",
      "campaign.platforms",
      "campaign.time_zone",
      "campaign.type",
    ]);
  });

  it("keeps names unique per tenant, case-insensitively, but not across tenants", async () => {
    const a = await register();
    const b = await register();
    const holder = await create(a.token, { name: "Black Friday" });
    const dup = await callError(h.campaigns, h.campaigns.createCampaign, { campaign: draft({ name: "black friday" }), requestId: "" }, a.token);
    assert.equal(dup.code, status.ALREADY_EXISTS);
    assert.equal(dup.reason, "CAMPAIGN_NAME_TAKEN");
    assert.deepEqual(dup.metadata, { campaign_id: holder.id }, "names the campaign that holds the name");
    assert.equal((await create(b.token, { name: "Black Friday" })).name, "Black Friday");
  });

  it("hides one tenant's campaigns from another", async () => {
    const a = await register();
    const b = await register();
    const c = await create(a.token);
    const res = await callError(h.campaigns, h.campaigns.getCampaign, { id: c.id }, b.token);
    assert.equal(res.code, status.NOT_FOUND);
    assert.equal(res.reason, "CAMPAIGN_NOT_FOUND");
    const launch = await callError(h.campaigns, h.campaigns.launchCampaign, { id: c.id, etag: "" }, b.token);
    assert.equal(launch.code, status.NOT_FOUND);
    const list = await call(h.campaigns, h.campaigns.listCampaigns, { pageSize: 0, pageToken: "", filter: "", orderBy: "", showDeleted: false }, b.token);
    assert.equal(list.campaigns.length, 0);
  });

  it("follows the lifecycle and refuses illegal transitions with FAILED_PRECONDITION", async () => {
    const { token } = await register();
    const c = await create(token);
    const id = c.id;
    const launched = (await call(h.campaigns, h.campaigns.launchCampaign, { id, etag: c.etag }, token)).campaign!;
    assert.equal(launched.status, CampaignStatus.CAMPAIGN_STATUS_ACTIVE);
    assert.ok(launched.launchTime instanceof Date);
    const again = await callError(h.campaigns, h.campaigns.launchCampaign, { id, etag: "" }, token);
    assert.equal(again.code, status.FAILED_PRECONDITION);
    assert.equal(again.reason, "INVALID_TRANSITION");
    assert.deepEqual(again.metadata, { campaign_id: id, status: "CAMPAIGN_STATUS_ACTIVE", from: "CAMPAIGN_STATUS_ACTIVE", action: "launch" });
    assert.deepEqual(again.preconditions, [
      {
        type: "INVALID_TRANSITION",
        subject: `campaigns/${id}`,
        description: "cannot launch a CAMPAIGN_STATUS_ACTIVE campaign; allowed from CAMPAIGN_STATUS_DRAFT",
      },
    ]);
    const stale = await callError(h.campaigns, h.campaigns.pauseCampaign, { id, etag: c.etag }, token);
    assert.equal(stale.code, status.ABORTED);
    assert.equal(stale.reason, "ETAG_MISMATCH");
    assert.deepEqual(stale.metadata, { campaign_id: id, etag: launched.etag }, "the current etag, to read again or retry with");
    assert.equal(
      (await call(h.campaigns, h.campaigns.pauseCampaign, { id, etag: launched.etag }, token)).campaign!.status,
      CampaignStatus.CAMPAIGN_STATUS_PAUSED,
    );
    assert.equal((await call(h.campaigns, h.campaigns.resumeCampaign, { id, etag: "" }, token)).campaign!.status, CampaignStatus.CAMPAIGN_STATUS_ACTIVE);
    const del = await callError(h.campaigns, h.campaigns.deleteCampaign, { id, etag: "" }, token);
    assert.equal(del.code, status.FAILED_PRECONDITION);
    assert.deepEqual(
      del.preconditions.map((p) => [p.type, p.subject]),
      [["INVALID_STATE", `campaigns/${id}`]],
    );
    assert.equal((await call(h.campaigns, h.campaigns.completeCampaign, { id, etag: "" }, token)).campaign!.status, CampaignStatus.CAMPAIGN_STATUS_COMPLETED);
    const cancel = await callError(h.campaigns, h.campaigns.cancelCampaign, { id, etag: "" }, token);
    assert.equal(cancel.code, status.FAILED_PRECONDITION);
    await call(h.campaigns, h.campaigns.deleteCampaign, { id, etag: "" }, token);
    // AIP-164: a soft-deleted campaign is still there by id, with delete_time (was NOT_FOUND before issue 7).
    assert.ok((await call(h.campaigns, h.campaigns.getCampaign, { id }, token)).campaign!.deleteTime instanceof Date);
    assert.equal((await callError(h.campaigns, h.campaigns.deleteCampaign, { id, etag: "" }, token)).code, status.NOT_FOUND, "deleted once only");
  });

  it("updates only DRAFT or PAUSED campaigns, checks the etag, and freezes the time zone after launch", async () => {
    const { token } = await register();
    const c = await create(token);
    const renamed = (
      await call(h.campaigns, h.campaigns.updateCampaign, { campaign: { ...c, name: "Renamed", description: "new" }, updateMask: ["name"] }, token)
    ).campaign!;
    assert.equal(renamed.name, "Renamed");
    assert.equal(renamed.description, "", "fields outside the mask stay as they were");
    assert.equal(renamed.etag, '"2"');
    const stale = await callError(h.campaigns, h.campaigns.updateCampaign, { campaign: { ...c, name: "Again" }, updateMask: ["name"] }, token);
    assert.equal(stale.code, status.ABORTED);
    const badMask = await callError(h.campaigns, h.campaigns.updateCampaign, { campaign: { ...renamed }, updateMask: ["status"] }, token);
    assert.equal(badMask.code, status.INVALID_ARGUMENT);
    assert.equal(badMask.violations[0]!.field, "update_mask");
    await call(h.campaigns, h.campaigns.launchCampaign, { id: c.id, etag: "" }, token);
    const active = await callError(h.campaigns, h.campaigns.updateCampaign, { campaign: { ...renamed, etag: "" }, updateMask: ["name"] }, token);
    assert.equal(active.code, status.FAILED_PRECONDITION);
    await call(h.campaigns, h.campaigns.pauseCampaign, { id: c.id, etag: "" }, token);
    const tz = await callError(
      h.campaigns,
      h.campaigns.updateCampaign,
      { campaign: { ...renamed, etag: "", timeZone: "Asia/Tokyo" }, updateMask: ["time_zone"] },
      token,
    );
    assert.equal(tz.code, status.INVALID_ARGUMENT);
    assert.deepEqual(
      tz.violations.map((v) => v.field),
      ["campaign.time_zone"],
    );
  });

  it("lists with filters, ordering and opaque page tokens", async () => {
    const { token } = await register();
    const names = ["Alpha", "Bravo", "Charlie", "Delta", "Echo"];
    const made = [];
    for (const name of names) made.push(await create(token, { name: `${name} push` }));
    await call(h.campaigns, h.campaigns.launchCampaign, { id: made[1]!.id, etag: "" }, token);
    await call(h.campaigns, h.campaigns.launchCampaign, { id: made[3]!.id, etag: "" }, token);
    const list = (q: { pageSize?: number; pageToken?: string; filter?: string; orderBy?: string }) =>
      call(h.campaigns, h.campaigns.listCampaigns, { pageSize: 0, pageToken: "", filter: "", orderBy: "", showDeleted: false, ...q }, token);
    const active = await list({ filter: "status=ACTIVE", orderBy: "name" });
    assert.deepEqual(
      active.campaigns.map((c) => c.name),
      ["Bravo push", "Delta push"],
    );
    const search = await list({ filter: "name:CHAR" });
    assert.deepEqual(
      search.campaigns.map((c) => c.name),
      ["Charlie push"],
    );
    const seen: string[] = [];
    let pageToken = "";
    do {
      const page = await list({ pageSize: 2, pageToken, orderBy: "name desc" });
      seen.push(...page.campaigns.map((c) => c.name));
      pageToken = page.nextPageToken;
    } while (pageToken);
    assert.deepEqual(seen, ["Echo push", "Delta push", "Charlie push", "Bravo push", "Alpha push"]);
    const newest = await list({ pageSize: 1 });
    assert.equal(newest.campaigns[0]!.name, "Echo push", "default order is create_time desc");
    const mismatch = await callError(
      h.campaigns,
      h.campaigns.listCampaigns,
      { pageSize: 2, pageToken: newest.nextPageToken, filter: "status=ACTIVE", orderBy: "", showDeleted: false },
      token,
    );
    assert.equal(mismatch.code, status.INVALID_ARGUMENT);
    const badFilter = await callError(
      h.campaigns,
      h.campaigns.listCampaigns,
      { pageSize: 0, pageToken: "", filter: "budget>5", orderBy: "cost", showDeleted: false },
      token,
    );
    assert.deepEqual(
      badFilter.violations.map((v) => v.field),
      ["filter", "order_by"],
    );
  });

  it("publishes every change to campaign-events through the outbox, in order", async () => {
    const { token, tenantId } = await register();
    const c = await create(token);
    await call(h.campaigns, h.campaigns.launchCampaign, { id: c.id, etag: "" }, token);
    await call(h.campaigns, h.campaigns.pauseCampaign, { id: c.id, etag: "" }, token);
    const consumer = h.kafka.consumer({ groupId: uniqueName("outbox-test") });
    await consumer.connect();
    await consumer.subscribe({ topic: h.topics.campaignEvents, fromBeginning: true });
    const seen: CampaignEvent[] = [];
    const done = new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          const e = CampaignEvent.decode(message.value!);
          if (e.campaign?.id === c.id) seen.push(e);
          if (seen.length === 3) resolve();
        },
      });
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`saw ${seen.length} events`)), 15_000)));
    await Promise.race([done, timeout]).finally(() => clearTimeout(timer));
    await consumer.disconnect();
    assert.deepEqual(
      seen.map((e) => e.type),
      [CampaignEventType.CAMPAIGN_EVENT_TYPE_CREATED, CampaignEventType.CAMPAIGN_EVENT_TYPE_LAUNCHED, CampaignEventType.CAMPAIGN_EVENT_TYPE_PAUSED],
    );
    assert.ok(seen.every((e) => e.tenantId === tenantId));
    assert.equal(seen[2]!.campaign!.status, CampaignStatus.CAMPAIGN_STATUS_PAUSED);
  });
});
