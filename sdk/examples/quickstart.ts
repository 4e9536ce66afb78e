/**
 * Quickstart: `npm run example` (against a running stack: `npm start`).
 *
 * Signs in (TALLY_TOKEN or TALLY_API_KEY, else registers a new organization), creates and launches
 * a campaign, sends a few events, and prints the campaign's insights once they are counted.
 *
 *   TALLY_ADDRESS   host:port of the edge or the campaign service (default 127.0.0.1:8080, Envoy)
 *   TALLY_TOKEN     an access token, or
 *   TALLY_API_KEY   an API key (tly_…); without either a new organization is registered
 */
import { randomUUID } from "node:crypto";
import { createTallyClient, TallyError } from "../index.js";
import { CampaignType, campaignStatusToJSON } from "#gen/tally/campaign/v1/campaign.js";
import { EventType } from "#gen/tally/events/v1/events.js";
import { Granularity } from "#gen/tally/analytics/v1/analytics.js";

const tally = createTallyClient({
  address: process.env.TALLY_ADDRESS ?? "127.0.0.1:8080",
  credentials: process.env.TALLY_API_KEY ? { apiKey: process.env.TALLY_API_KEY } : process.env.TALLY_TOKEN ? { token: process.env.TALLY_TOKEN } : undefined,
  deadlineMs: 10_000,
  retries: 3,
});

const money = (micros: string | undefined, currency: string) => `${(Number(micros ?? 0) / 1e6).toFixed(2)} ${currency}`;

async function main() {
  if (!process.env.TALLY_API_KEY && !process.env.TALLY_TOKEN) {
    const email = `quickstart-${randomUUID().slice(0, 8)}@example.com`;
    const registered = await tally.identity.register({ email, password: "quickstart password 1", organizationName: "Quickstart Inc." });
    tally.setCredentials({ token: registered.accessToken });
    console.log(`registered ${email} (organization ${registered.organization?.id})`);
  }

  // Only the fields that matter; the rest take their defaults.
  const { campaign } = await tally.campaigns.create({
    campaign: {
      name: `Quickstart ${new Date().toISOString()}`,
      type: CampaignType.CAMPAIGN_TYPE_PROMOTION,
      currencyCode: "USD",
      budgetMicros: "50000000", // 50.00 USD
      timeZone: "UTC",
      platforms: ["meta"],
    },
  });
  const launched = await tally.campaigns.launch({ id: campaign!.id });
  console.log(`campaign ${launched.campaign!.id} ${campaignStatusToJSON(launched.campaign!.status)}`);

  const now = new Date(Date.now() - 60_000);
  const event = (type: EventType, extra: { valueMicros?: string } = {}) => ({
    eventId: randomUUID(),
    campaignId: campaign!.id,
    type,
    platform: "meta",
    region: "US",
    occurTime: now,
    ...extra,
  });
  const ingested = await tally.ingestion.ingestEvents({
    events: [
      event(EventType.EVENT_TYPE_IMPRESSION),
      event(EventType.EVENT_TYPE_IMPRESSION),
      event(EventType.EVENT_TYPE_IMPRESSION),
      event(EventType.EVENT_TYPE_IMPRESSION),
      event(EventType.EVENT_TYPE_CLICK),
      event(EventType.EVENT_TYPE_CLICK),
      event(EventType.EVENT_TYPE_CONVERSION, { valueMicros: "12500000" }),
    ],
  });
  console.log(`ingested: accepted ${ingested.counts?.accepted} rejected ${ingested.counts?.rejected}`);

  // Accepted events are counted within the aggregator's flush interval.
  const deadline = Date.now() + 30_000;
  for (;;) {
    const insights = await tally.analytics.getCampaignInsights({ campaignId: campaign!.id, granularity: Granularity.GRANULARITY_TOTAL });
    const t = insights.totals!;
    if (t.impressions === "4" && t.clicks === "2" && t.conversions === "1") {
      console.log(`impressions ${t.impressions} clicks ${t.clicks} conversions ${t.conversions}`);
      console.log(`ctr ${t.ctr?.toFixed(4)} revenue ${money(t.revenueMicros, insights.currencyCode)}`);
      break;
    }
    if (Date.now() > deadline) throw new Error(`insights did not show the events within 30 s: ${JSON.stringify(t)}`);
    await new Promise((r) => setTimeout(r, 300));
  }

  const page = await tally.campaigns.list({ pageSize: 2 });
  console.log(`first page: ${page.campaigns.length} campaign(s)`);
}

main()
  .catch((err) => {
    if (err instanceof TallyError) console.error(`✗ ${err.code} ${err.reason ?? ""}: ${err.message}`, err.violations);
    else console.error(err);
    process.exitCode = 1;
  })
  .finally(() => tally.close());
