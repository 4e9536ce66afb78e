/**
 * StreamCampaignMetrics: a campaign's totals from start_date up to today, sent at once and again
 * after every aggregator commit that changed the campaign. Bursts of changes are coalesced: while
 * one answer is computed, further changes cause exactly one more.
 */
import type { CampaignFacts } from "./insights.js";
import { Violations } from "#common/errors.js";
import type { Logger } from "#common/logger.js";
import type { CampaignRef } from "./ad-events.js";
import { rangeToUtc } from "./buckets.js";
import { checkDates, checkOrderAndSpan, normalizeTimeZone, todayIn } from "./date-range.js";
import { campaignZone, requireCampaign, type CampaignLookup, type FreshnessReader } from "./insights.js";
import { deriveMetrics, type DerivedMetrics } from "./metrics.js";
import { combineSources } from "./source-policy.js";
import { currentPacing, type BudgetPacing } from "./budget-pacing.js";
import type { TotalsReader } from "./performance.js";

/** Change notifications per campaign. subscribe() resolves once no later change can be missed. */
export interface LiveUpdates {
  subscribe(campaign: CampaignRef, onChange: () => void): Promise<() => Promise<void>>;
}

export interface StreamInput {
  campaignId: string;
  /** Empty: today in the report zone. */
  startDate: string;
  /** Empty: the campaign's zone. */
  timeZone: string;
}

export interface LiveTotals {
  campaignId: string;
  totals: DerivedMetrics;
  dataFreshness: Date;
  /** Spend to date (the whole campaign) against the budget; null when the budget is unknown. */
  pacing: BudgetPacing | null;
}

export interface LiveMetricsDeps {
  campaigns: CampaignLookup;
  totals: TotalsReader;
  freshness: FreshnessReader;
  updates: LiveUpdates;
  logger: Logger;
  now?: () => Date;
}

interface StreamWindow {
  campaign: CampaignFacts;
  startDate: string;
  timeZone: string;
  campaignTimeZone: string;
}

export function createLiveMetricsService(deps: LiveMetricsDeps) {
  const now = deps.now ?? (() => new Date());
  /** Aborted at shutdown: open streams end instead of holding the server open. */
  const closing = new AbortController();

  async function resolveWindow(tenantId: string, input: StreamInput, requestId?: string): Promise<StreamWindow> {
    const v = new Violations();
    v.check(input.campaignId.trim() !== "", "campaign_id", "is required");
    checkDates({ startDate: input.startDate, endDate: "" }, v);
    const zone = input.timeZone ? normalizeTimeZone(input.timeZone) : null;
    v.check(!input.timeZone || zone !== null, "time_zone", `${JSON.stringify(input.timeZone)} is not an IANA time zone (e.g. Europe/Berlin)`);
    v.throwIfAny();
    const campaign = await requireCampaign(deps.campaigns, tenantId, input.campaignId.trim(), requestId);
    const campaignTimeZone = campaignZone(campaign, deps.logger);
    const timeZone = zone ?? campaignTimeZone;
    const today = todayIn(timeZone, now());
    const startDate = input.startDate || today;
    checkOrderAndSpan({ startDate, endDate: today }, "DAY", v, `today, ${today}`);
    v.throwIfAny();
    return { campaign, startDate, timeZone, campaignTimeZone };
  }

  async function totalsOf(tenantId: string, w: StreamWindow): Promise<LiveTotals> {
    const dataFreshness = await deps.freshness.dataFreshness();
    // The window's end follows the calendar: a stream open past midnight includes the new day.
    const interval = rangeToUtc({ startDate: w.startDate, endDate: todayIn(w.timeZone, now()), timeZone: w.timeZone });
    const [sums, pacing] = await Promise.all([
      deps.totals.readTotals(tenantId, [{ campaignId: w.campaign.id, interval, campaignTimeZone: w.campaignTimeZone }]),
      currentPacing(deps.totals, tenantId, w.campaign, w.campaignTimeZone),
    ]);
    return { campaignId: w.campaign.id, totals: deriveMetrics(combineSources(sums.get(w.campaign.id) ?? [])), dataFreshness, pacing };
  }

  return {
    async stream(tenantId: string, input: StreamInput, send: (t: LiveTotals) => Promise<void>, signal: AbortSignal, requestId?: string): Promise<void> {
      const window = await resolveWindow(tenantId, input, requestId);
      const done = AbortSignal.any([signal, closing.signal]);
      let wake: (() => void) | null = null;
      let changed = false;
      const onChange = () => {
        changed = true;
        wake?.();
      };
      const unsubscribe = await deps.updates.subscribe({ tenantId, campaignId: window.campaign.id }, onChange);
      done.addEventListener("abort", onChange);
      try {
        // Subscribed before the first answer: a change during it triggers one more.
        do {
          changed = false;
          await send(await totalsOf(tenantId, window));
          if (!changed && !done.aborted) await new Promise<void>((resolve) => (wake = resolve));
          wake = null;
        } while (!done.aborted);
      } finally {
        done.removeEventListener("abort", onChange);
        await unsubscribe();
      }
    },

    /** Ends every open stream (at shutdown, before the server waits for in-flight calls). */
    close(): void {
      closing.abort();
    },
  };
}

export type LiveMetricsService = ReturnType<typeof createLiveMetricsService>;
