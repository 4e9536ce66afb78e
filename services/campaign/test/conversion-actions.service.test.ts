/** Conversion actions (issue 6, item 9): a tenant-scoped resource, EDITOR writes, VIEWER reads. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { status } from "@grpc/grpc-js";
import { ConversionActionCategory } from "#gen/tally/campaign/v1/conversion_action.js";
import { call, callError } from "../../../test/support/grpc.js";
import { uniqueName } from "../../../test/support/stack.js";
import { startCampaignHarness } from "./campaign-harness.js";

type Harness = Awaited<ReturnType<typeof startCampaignHarness>>;
let h: Harness;

before(async () => {
  h = await startCampaignHarness();
});
after(async () => {
  await h?.stop();
});

async function register() {
  const res = await call(h.identity, h.identity.register, {
    email: `${uniqueName("owner")}@example.com`,
    password: "correct horse battery",
    organizationName: "Acme",
  });
  return { token: res.accessToken, tenantId: res.organization!.id };
}

async function tokenOf(tenantId: string, role: "VIEWER" | "EDITOR") {
  return (await h.tokens.issueUserToken({ tenantId, userId: `${role.toLowerCase()}-1`, role })).token;
}

const create = (token: string, displayName: string, category: ConversionActionCategory, conversionActionId = "") =>
  call(h.campaigns, h.campaigns.createConversionAction, { conversionAction: { id: "", displayName, category }, conversionActionId }, token);

const ids = async (token: string) =>
  (await call(h.campaigns, h.campaigns.listConversionActions, { pageSize: 0, pageToken: "" }, token)).conversionActions.map((a) => a.id);

describe("conversion actions", () => {
  it("are created with a chosen or derived id, listed by id, and deleted; editors write, viewers read", async () => {
    const { tenantId } = await register();
    const editor = await tokenOf(tenantId, "EDITOR");
    const viewer = await tokenOf(tenantId, "VIEWER");

    const purchase = (await create(editor, "Purchase", ConversionActionCategory.CONVERSION_ACTION_CATEGORY_PURCHASE, "Purchase")).conversionAction!;
    assert.deepEqual(
      [purchase.id, purchase.displayName, purchase.category],
      ["purchase", "Purchase", ConversionActionCategory.CONVERSION_ACTION_CATEGORY_PURCHASE],
    );
    assert.ok(purchase.createTime! <= new Date());
    assert.equal((await create(editor, "Sign-up form", ConversionActionCategory.CONVERSION_ACTION_CATEGORY_SIGN_UP)).conversionAction!.id, "sign_up_form");
    assert.equal((await create(editor, "Lead", ConversionActionCategory.CONVERSION_ACTION_CATEGORY_LEAD)).conversionAction!.id, "lead");
    assert.equal((await create(editor, "Lead!", ConversionActionCategory.CONVERSION_ACTION_CATEGORY_LEAD)).conversionAction!.id, "lead_2");

    assert.deepEqual(await ids(viewer), ["lead", "lead_2", "purchase", "sign_up_form"]);
    const page1 = await call(h.campaigns, h.campaigns.listConversionActions, { pageSize: 3, pageToken: "" }, viewer);
    const page2 = await call(h.campaigns, h.campaigns.listConversionActions, { pageSize: 3, pageToken: page1.nextPageToken }, viewer);
    assert.deepEqual(
      [page1.conversionActions.map((a) => a.id), page2.conversionActions.map((a) => a.id), page2.nextPageToken],
      [["lead", "lead_2", "purchase"], ["sign_up_form"], ""],
    );

    const denied = await callError(
      h.campaigns,
      h.campaigns.createConversionAction,
      { conversionAction: { id: "", displayName: "X", category: 1 }, conversionActionId: "" },
      viewer,
    );
    assert.equal(denied.code, status.PERMISSION_DENIED);

    await call(h.campaigns, h.campaigns.deleteConversionAction, { id: "lead_2" }, editor);
    assert.deepEqual(await ids(viewer), ["lead", "purchase", "sign_up_form"]);
    const gone = await callError(h.campaigns, h.campaigns.deleteConversionAction, { id: "lead_2" }, editor);
    assert.deepEqual([gone.code, gone.reason], [status.NOT_FOUND, "CONVERSION_ACTION_NOT_FOUND"]);
  });

  it("refuses a taken id, a malformed id and a missing category, naming the fields", async () => {
    const { token } = await register();
    await create(token, "Purchase", ConversionActionCategory.CONVERSION_ACTION_CATEGORY_PURCHASE, "purchase");
    const dup = await callError(
      h.campaigns,
      h.campaigns.createConversionAction,
      {
        conversionAction: { id: "", displayName: "Another", category: ConversionActionCategory.CONVERSION_ACTION_CATEGORY_OTHER },
        conversionActionId: "PURCHASE",
      },
      token,
    );
    assert.deepEqual([dup.code, dup.reason], [status.ALREADY_EXISTS, "CONVERSION_ACTION_EXISTS"]);
    const bad = await callError(
      h.campaigns,
      h.campaigns.createConversionAction,
      {
        conversionAction: { id: "", displayName: "", category: ConversionActionCategory.CONVERSION_ACTION_CATEGORY_UNSPECIFIED },
        conversionActionId: "sign-up",
      },
      token,
    );
    assert.equal(bad.code, status.INVALID_ARGUMENT);
    assert.deepEqual(bad.violations.map((v) => v.field).sort(), ["conversion_action.category", "conversion_action.display_name", "conversion_action_id"]);
  });

  it("belong to their tenant: another tenant neither lists nor deletes them, and may use the same id", async () => {
    const a = await register();
    const b = await register();
    await create(a.token, "Purchase", ConversionActionCategory.CONVERSION_ACTION_CATEGORY_PURCHASE);
    assert.deepEqual(await ids(b.token), []);
    assert.equal((await callError(h.campaigns, h.campaigns.deleteConversionAction, { id: "purchase" }, b.token)).code, status.NOT_FOUND);
    assert.equal((await create(b.token, "Purchase", ConversionActionCategory.CONVERSION_ACTION_CATEGORY_PURCHASE)).conversionAction!.id, "purchase");
    assert.deepEqual(await ids(a.token), ["purchase"]);
  });
});
