import { CampaignEvent, CampaignEventType } from "#gen/tally/events/v1/events.js";
import type { Campaign, CampaignEventType as DomainEventType } from "../domain/campaign.js";
import { campaignToProto } from "../rpc/convert.js";

/**
 * The outbox payload: a tally.events.v1.CampaignEvent. The campaign store calls it inside the
 * transaction that changes the campaign (injected there, so the store stays free of generated code).
 */
export function encodeCampaignEvent(c: Campaign, type: DomainEventType, eventId: string, at: Date): Buffer {
  const event: CampaignEvent = {
    eventId,
    type: CampaignEventType[`CAMPAIGN_EVENT_TYPE_${type}`],
    tenantId: c.tenantId,
    campaign: campaignToProto(c),
    occurTime: at,
  };
  return Buffer.from(CampaignEvent.encode(event).finish());
}
