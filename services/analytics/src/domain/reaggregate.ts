/**
 * ReaggregateCampaign: rebuild a campaign's tracked rollups over whole UTC days from the retained
 * raw events, and report what changed. Platform report rows are snapshots and are not rebuilt.
 */
import { Violations } from "#common/errors.js";
import type { CampaignRef } from "./ad-events.js";
import { rangeToUtc, type UtcInterval } from "./buckets.js";
import { checkDates, checkOrderAndSpan, todayIn } from "./date-range.js";
import { requireCampaign, type CampaignLookup } from "./insights.js";
import { deriveMetrics, type BaseMetrics, type DerivedMetrics } from "./metrics.js";

export interface RollupRebuilder {
  /**
   * UTC date (YYYY-MM-DD) from which the campaign's raw events are all retained: its oldest raw
   * event's day, or later where retention dropped older ones; null when there is none.
   */
  oldestRebuildableDate(tenantId: string, campaignId: string): Promise<string | null>;
  /** Makes the tracked rollups in the interval equal the sums of the raw events, safely beside a running aggregator. */
  rebuild(tenantId: string, campaignId: string, interval: UtcInterval): Promise<RebuildOutcome>;
}

export interface RebuildOutcome {
  changedBuckets: bigint;
  before: BaseMetrics;
  after: BaseMetrics;
}

/** Cached answers and live streams must hear about the changed numbers. */
export interface ChangeSignals {
  changed(campaigns: CampaignRef[]): Promise<void>;
}

export interface ReaggregateInput {
  campaignId: string;
  /** UTC day; empty: the oldest retained. */
  startDate: string;
  /** UTC day, inclusive; empty: today. */
  endDate: string;
}

export interface ReaggregateResult {
  changedBuckets: bigint;
  before: DerivedMetrics;
  after: DerivedMetrics;
}

export interface ReaggregateDeps {
  campaigns: CampaignLookup;
  rebuilder: RollupRebuilder;
  signals: ChangeSignals;
  now?: () => Date;
}

export function createReaggregateService(deps: ReaggregateDeps) {
  const now = deps.now ?? (() => new Date());

  return {
    async reaggregateCampaign(tenantId: string, input: ReaggregateInput, requestId?: string): Promise<ReaggregateResult> {
      const v = new Violations();
      v.check(input.campaignId.trim() !== "", "campaign_id", "is required");
      const datesOk = checkDates(input, v);
      const endDate = input.endDate || todayIn("UTC", now());
      if (datesOk && input.startDate) checkOrderAndSpan({ startDate: input.startDate, endDate }, "DAY", v);
      v.throwIfAny();
      const campaign = await requireCampaign(deps.campaigns, tenantId, input.campaignId.trim(), requestId);
      // Days before that cannot be rebuilt: (some of) their raw events are gone, and rebuilding
      // them would erase rollups that are still right.
      const oldest = (await deps.rebuilder.oldestRebuildableDate(tenantId, campaign.id)) ?? endDate;
      const startDate = input.startDate && input.startDate > oldest ? input.startDate : oldest;
      const interval = startDate > endDate ? { start: new Date(0), end: new Date(0) } : rangeToUtc({ startDate, endDate, timeZone: "UTC" });
      const outcome = await deps.rebuilder.rebuild(tenantId, campaign.id, interval);
      if (outcome.changedBuckets > 0n) await deps.signals.changed([{ tenantId, campaignId: campaign.id }]);
      return { changedBuckets: outcome.changedBuckets, before: deriveMetrics(outcome.before), after: deriveMetrics(outcome.after) };
    },
  };
}

export type ReaggregateService = ReturnType<typeof createReaggregateService>;
