/**
 * GetCampaign shows spend (issue 6, item 8): the real campaign process asks the real analytics
 * API (its internal CampaignSpendService) for spend to date; with analytics down, GetCampaign still
 * answers, spend marked unavailable.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { status } from "@grpc/grpc-js";
import { BudgetPacingState, Campaign, CampaignType } from "#gen/tally/campaign/v1/campaign.js";
import { CampaignSpendServiceClient } from "#gen/tally/analytics/v1/campaign_spend.js";
import { call, callError, connect } from "../../../test/support/grpc.js";
import { uniqueName } from "../../../test/support/stack.js";
import { startHarness as startAnalytics, type Harness as Analytics } from "../../analytics/test/harness.js";
import { eventually } from "../../analytics/test/support.js";
import { startCampaignHarness } from "./campaign-harness.js";

let analytics: Analytics;
let h: Awaited<ReturnType<typeof startCampaignHarness>>;
let analyticsStopped = false;

before(async () => {
  analytics = await startAnalytics("spend");
  h = await startCampaignHarness({ env: { TALLY_ANALYTICS_ADDR: `127.0.0.1:${analytics.port}`, TALLY_CAMPAIGN_SPEND_CACHE_MS: "0" } });
});
after(async () => {
  await h?.stop();
  if (!analyticsStopped) await analytics?.stop();
});

async function owner() {
  const res = await call(h.identity, h.identity.register, {
    email: `${uniqueName("owner")}@example.com`,
    password: "correct horse battery",
    organizationName: "Acme",
  });
  return { token: res.accessToken, tenantId: res.organization!.id };
}

async function createCampaign(token: string) {
  const campaign = Campaign.fromPartial({
    name: uniqueName("Spend "),
    type: CampaignType.CAMPAIGN_TYPE_PROMOTION,
    currencyCode: "EUR",
    budgetMicros: "100000000",
    timeZone: "UTC",
  });
  return (await call(h.campaigns, h.campaigns.createCampaign, { campaign, requestId: "" }, token)).campaign!;
}

describe("GetCampaign spend", () => {
  it("shows spend to date (platform reports) against the budget, only in GetCampaign", async () => {
    const { token, tenantId } = await owner();
    const c = await createCampaign(token);
    assert.equal(c.spend, undefined, "CreateCampaign leaves spend unset");
    await analytics.produceReports([
      { tenantId, campaignId: c.id, platform: "meta", date: "2025-03-10", costMicros: "60000000", currencyCode: "EUR" },
      { tenantId, campaignId: c.id, platform: "google", date: "2025-03-11", costMicros: "35000000", currencyCode: "EUR" },
    ]);
    await eventually(
      async () => (await analytics.db.raw("SELECT count(*)::int AS n FROM platform_report_rows WHERE campaign_id = ?", [c.id])).rows[0].n === 2,
      20_000,
      "report rows applied",
    );
    const got = (await call(h.campaigns, h.campaigns.getCampaign, { id: c.id }, token)).campaign!;
    assert.deepEqual(got.spend, {
      available: true,
      spendMicros: "95000000",
      budgetUtilization: 0.95,
      pacingState: BudgetPacingState.BUDGET_PACING_STATE_APPROACHING,
      unavailableReason: "",
    });
    const listed = (await call(h.campaigns, h.campaigns.listCampaigns, { pageSize: 10, pageToken: "", filter: "", orderBy: "", showDeleted: false }, token))
      .campaigns;
    assert.deepEqual(
      listed.map((x) => [x.id, x.spend]),
      [[c.id, undefined]],
    );
  });

  it("is internal: a user's credential is refused by CampaignSpendService itself", async () => {
    const { token } = await owner();
    const client = connect(CampaignSpendServiceClient, analytics.port);
    try {
      const err = await callError(client, client.getCampaignSpend, { campaignId: "x", budgetMicros: "1", timeZone: "UTC" }, token);
      assert.equal(err.code, status.PERMISSION_DENIED);
    } finally {
      client.close();
    }
  });

  it("with analytics down, GetCampaign still answers, spend marked unavailable", async () => {
    const { token } = await owner();
    const c = await createCampaign(token);
    await analytics.stop();
    analyticsStopped = true;
    const got = (await call(h.campaigns, h.campaigns.getCampaign, { id: c.id }, token)).campaign!;
    assert.equal(got.id, c.id);
    assert.deepEqual(got.spend, {
      available: false,
      spendMicros: "0",
      budgetUtilization: undefined,
      pacingState: BudgetPacingState.BUDGET_PACING_STATE_UNSPECIFIED,
      unavailableReason: "ANALYTICS_UNAVAILABLE",
    });
  });
});
