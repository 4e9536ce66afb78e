/**
 * Hostile input at the campaign server (issue 5): every case used to reach Postgres or the encoder
 * and end INTERNAL (or be stored and break the tenant's list); now each is INVALID_ARGUMENT naming
 * its fields, and nothing is stored.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { status } from "@grpc/grpc-js";
import { Campaign, CampaignType } from "#gen/tally/campaign/v1/campaign.js";
import { Role } from "#gen/tally/identity/v1/identity.js";
import { call, callError } from "../../../test/support/grpc.js";
import { uniqueName } from "../../../test/support/stack.js";
import { startCampaignHarness } from "./campaign-harness.js";

let h: Awaited<ReturnType<typeof startCampaignHarness>>;
let owner: string;

before(async () => {
  h = await startCampaignHarness();
  const email = `${uniqueName("owner")}@example.com`;
  owner = (await call(h.identity, h.identity.register, { email, password: "correct horse battery", organizationName: "Acme" })).accessToken;
});
after(async () => {
  await h.stop();
});

const draft = (over: Partial<Campaign> = {}): Campaign =>
  Campaign.fromPartial({
    name: uniqueName("Input "),
    type: CampaignType.CAMPAIGN_TYPE_PROMOTION,
    currencyCode: "EUR",
    budgetMicros: "1000000",
    timeZone: "UTC",
    ...over,
  });
const createError = (over: Partial<Campaign>) => callError(h.campaigns, h.campaigns.createCampaign, { campaign: draft(over), requestId: "" }, owner);
const list = (over: { pageToken?: string; filter?: string } = {}) =>
  call(h.campaigns, h.campaigns.listCampaigns, { pageSize: 10, pageToken: "", filter: "", orderBy: "", showDeleted: false, ...over }, owner);
const fields = (e: { violations: { field: string }[] }) => e.violations.map((v) => v.field);
const RANGE = "must lie between 1970-01-01T00:00:00Z and 2100-12-31T23:59:59.999999999Z";

describe("campaign input boundary", () => {
  it("refuses NUL in name and description, naming both, and stores nothing", async () => {
    const err = await createError({ name: "Spring\u0000", description: "a\u0000b" });
    assert.equal(err.code, status.INVALID_ARGUMENT);
    assert.deepEqual(err.violations, [
      { field: "campaign.name", description: "must not contain NUL (U+0000) characters" },
      { field: "campaign.description", description: "must not contain NUL (U+0000) characters" },
    ]);
    assert.deepEqual((await list()).campaigns, []);
  });

  it("refuses an end_time in year 9999 instead of storing it, and ListCampaigns keeps answering", async () => {
    const err = await createError({ startTime: new Date("2026-01-01T00:00:00Z"), endTime: new Date("9999-12-31T23:59:59.999Z") });
    assert.equal(err.code, status.INVALID_ARGUMENT);
    assert.deepEqual(err.violations, [{ field: "campaign.end_time", description: RANGE }]);
    const kept = (
      await call(h.campaigns, h.campaigns.createCampaign, { campaign: draft({ endTime: new Date("2100-12-31T23:59:59.999Z") }), requestId: "" }, owner)
    ).campaign!;
    assert.deepEqual(
      (await list()).campaigns.map((c) => [c.id, c.endTime?.toISOString()]),
      [[kept.id, "2100-12-31T23:59:59.999Z"]],
    );

    const update = await callError(
      h.campaigns,
      h.campaigns.updateCampaign,
      { campaign: { ...kept, startTime: new Date("0001-01-01T00:00:00Z") }, updateMask: ["start_time"] },
      owner,
    );
    assert.deepEqual([update.code, fields(update)], [status.INVALID_ARGUMENT, ["campaign.start_time"]]);
  });

  it("answers a forged or garbled page token with INVALID_ARGUMENT on page_token", async () => {
    for (const pageToken of ["eyJ2IjoiJyBPUiAxPTEgLS0iLCJpIjoieCJ9", "eyJ2IjoieCIsImkiOiJ5In0.AAAA", "\u0000", "%%%"]) {
      const err = await callError(h.campaigns, h.campaigns.listCampaigns, { pageSize: 1, pageToken, filter: "", orderBy: "", showDeleted: false }, owner);
      assert.deepEqual([err.code, fields(err)], [status.INVALID_ARGUMENT, ["page_token"]], pageToken);
    }
  });

  it("refuses NUL in a filter", async () => {
    const err = await callError(
      h.campaigns,
      h.campaigns.listCampaigns,
      { pageSize: 1, pageToken: "", filter: "name:\u0000", orderBy: "", showDeleted: false },
      owner,
    );
    assert.deepEqual([err.code, err.violations], [status.INVALID_ARGUMENT, [{ field: "filter", description: "must not contain NUL (U+0000) characters" }]]);
  });

  it("keeps a message short when the bad value is long (Envoy turns it into a header)", async () => {
    const err = await createError({ name: "n".repeat(200_000), description: "d\u0000".repeat(50_000) });
    assert.deepEqual(fields(err), ["campaign.name", "campaign.description"]);
    assert.ok(err.message.length < 300, err.message);
  });
});

describe("identity input boundary", () => {
  it("refuses role -1 and an unknown role number on CreateUser", async () => {
    for (const role of [Role.UNRECOGNIZED, 99 as Role]) {
      const err = await callError(
        h.identity,
        h.identity.createUser,
        { email: `${uniqueName("u")}@example.com`, password: "long enough password", role },
        owner,
      );
      assert.deepEqual([err.code, err.violations], [status.INVALID_ARGUMENT, [{ field: "role", description: `${role} is not a Role value` }]]);
    }
  });

  it("refuses NUL in emails on Register, Login and CreateUser", async () => {
    const email = "a\u0000@example.com";
    const register = await callError(h.identity, h.identity.register, { email, password: "correct horse battery", organizationName: "Org\u0000" });
    assert.deepEqual([register.code, fields(register)], [status.INVALID_ARGUMENT, ["email", "organization_name"]]);
    const login = await callError(h.identity, h.identity.login, { email, password: "correct horse battery" });
    assert.deepEqual([login.code, fields(login)], [status.INVALID_ARGUMENT, ["email"]]);
    const user = await callError(h.identity, h.identity.createUser, { email, password: "long enough password", role: Role.ROLE_VIEWER }, owner);
    assert.deepEqual([user.code, fields(user)], [status.INVALID_ARGUMENT, ["email"]]);
  });
});
