/** The same vertical slice over native gRPC, straight to the services. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { AnalyticsServiceClient, Granularity } from "#gen/tally/analytics/v1/analytics.js";
import { Campaign, CampaignStatus, CampaignType } from "#gen/tally/campaign/v1/campaign.js";
import { CampaignServiceClient } from "#gen/tally/campaign/v1/campaign_service.js";
import { EventType } from "#gen/tally/events/v1/events.js";
import { IdentityServiceClient } from "#gen/tally/identity/v1/identity.js";
import { AdEvent, IngestionServiceClient, ReceiptStatus } from "#gen/tally/ingestion/v1/ingestion.js";
import { ADDRS } from "../../scripts/dev/processes.js";
import { call } from "../support/grpc.js";
import { uniqueName } from "../support/stack.js";
import { credentials } from "@grpc/grpc-js";
import { eventually } from "./rest.js";

const insecure = credentials.createInsecure();
const identity = new IdentityServiceClient(ADDRS.campaign, insecure);
const campaigns = new CampaignServiceClient(ADDRS.campaign, insecure);
const ingestion = new IngestionServiceClient(ADDRS.ingestion, insecure);
const analytics = new AnalyticsServiceClient(ADDRS.analytics, insecure);

describe("gRPC", () => {
  let token = "";
  let campaignId = "";

  before(async () => {
    token = (
      await call(identity, identity.register, { email: `${uniqueName("grpc")}@example.com`, password: "grpc password 123", organizationName: "gRPC Org" })
    ).accessToken;
    const campaign = Campaign.fromPartial({
      name: uniqueName("gRPC "),
      type: CampaignType.CAMPAIGN_TYPE_LOYALTY,
      currencyCode: "EUR",
      budgetMicros: "1000000",
      timeZone: "Asia/Kathmandu",
    });
    campaignId = (await call(campaigns, campaigns.createCampaign, { campaign, requestId: "" }, token)).campaign!.id;
    const launched = await call(campaigns, campaigns.launchCampaign, { id: campaignId, etag: "" }, token);
    assert.equal(launched.campaign!.status, CampaignStatus.CAMPAIGN_STATUS_ACTIVE);
  });

  after(() => {
    for (const c of [identity, campaigns, ingestion, analytics]) c.close();
  });

  it("ingests and reads back exact totals, once, however often the batch is sent", async () => {
    const prefix = uniqueName("g");
    const occurTime = new Date(Date.now() - 60_000);
    const ev = (n: number, type: EventType, valueMicros = "0") =>
      AdEvent.fromPartial({ eventId: `${prefix}-${n}`, campaignId, type, platform: "google", region: "NP", occurTime, valueMicros });
    const events = [
      ev(1, EventType.EVENT_TYPE_IMPRESSION),
      ev(2, EventType.EVENT_TYPE_IMPRESSION),
      ev(3, EventType.EVENT_TYPE_IMPRESSION),
      ev(4, EventType.EVENT_TYPE_CLICK),
      ev(5, EventType.EVENT_TYPE_CLICK),
      ev(6, EventType.EVENT_TYPE_CONVERSION, "12500000"),
    ];
    const res = await call(ingestion, ingestion.ingestEvents, { events }, token);
    assert.deepEqual(
      res.receipts.map((r) => r.status),
      Array(6).fill(ReceiptStatus.RECEIPT_STATUS_ACCEPTED),
    );
    const dup = await call(ingestion, ingestion.ingestEvents, { events }, token);
    assert.deepEqual(
      dup.receipts.map((r) => r.status),
      Array(6).fill(ReceiptStatus.RECEIPT_STATUS_DUPLICATE),
    );

    const req = {
      campaignId,
      startDate: "",
      endDate: "",
      granularity: Granularity.GRANULARITY_TOTAL,
      platforms: [],
      regions: [],
      breakdowns: [],
      timeZone: "",
    };
    const insights = await eventually("the events in insights", async () => {
      const r = await call(analytics, analytics.getCampaignInsights, req, token);
      return r.totals?.conversions === "1" ? r : undefined;
    });
    assert.equal(insights.timeZone, "Asia/Kathmandu");
    assert.equal(insights.currencyCode, "EUR");
    const t = insights.totals!;
    assert.deepEqual([t.impressions, t.clicks, t.conversions, t.revenueMicros], ["3", "2", "1", "12500000"]);
    assert.ok(Math.abs(t.ctr! - 0.6667) < 1e-4);
    assert.ok(insights.freshnessTime instanceof Date);
  });
});
