/**
 * Budget signals, after the flush. The flush marks every campaign whose numbers changed in
 * pacing_checks inside its own transaction (so a crash never loses a check); this part, after
 * COMMIT and on a timer:
 *
 * 1. reads each marked campaign's budget (campaign service, cached) and spend to date (default
 *    spend source). Campaign service down: the check stays and is retried on the next tick.
 * 2. records each threshold reached in pacing_signals — its key (campaign, threshold, budget) makes
 *    a signal fire once however often it is found reached — and clears the check, in one
 *    transaction. Crash before COMMIT: the check is still there; it runs again.
 * 3. publishes unpublished signals to campaign-events (key campaign_id) and marks them, relay
 *    style. Crash between the ack and the mark: published again with the same event_id.
 *
 * Reading the budget from the campaign service inside the flush transaction would hold the
 * partition's offset locks for a remote call; that is why the decision runs after COMMIT, from a
 * check persisted with the rollups.
 */
import type { Producer } from "kafkajs";
import { CampaignEvent, CampaignEventType } from "#gen/tally/events/v1/events.js";
import type { Logger } from "#common/logger.js";
import { reachedThresholds, spendToDate } from "../domain/budget-pacing.js";
import { campaignZone, type CampaignLookup } from "../domain/insights.js";
import type { TotalsReader } from "../domain/performance.js";
import type { FiredSignal, PgPacingStore } from "../store/pacing-store.js";

const EVENT_TYPE = { APPROACHING: CampaignEventType.CAMPAIGN_EVENT_TYPE_BUDGET_APPROACHING, EXCEEDED: CampaignEventType.CAMPAIGN_EVENT_TYPE_BUDGET_EXCEEDED };

/** Stable per signal: a re-publish after a crash carries the same id. */
export const signalEventId = (s: FiredSignal) => `pacing:${s.tenantId}:${s.campaignId}:${s.threshold}:${s.budgetMicros}`;

export function encodeSignal(s: FiredSignal): { key: string; value: Buffer } {
  const event = CampaignEvent.fromPartial({
    eventId: signalEventId(s),
    type: EVENT_TYPE[s.threshold],
    tenantId: s.tenantId,
    campaign: { id: s.campaignId, currencyCode: s.currencyCode, budgetMicros: s.budgetMicros.toString() },
    occurTime: s.fireTime,
    pacing: { spendMicros: s.spendMicros.toString(), budgetMicros: s.budgetMicros.toString(), currencyCode: s.currencyCode },
  });
  return { key: s.campaignId, value: Buffer.from(CampaignEvent.encode(event).finish()) };
}

export interface PacingMonitorDeps {
  store: PgPacingStore;
  campaigns: CampaignLookup;
  totals: TotalsReader;
  producer: Producer;
  topic: string;
  intervalMs: number;
  logger: Logger;
}

const BATCH = 200;

export class PacingMonitor {
  private running: Promise<void> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly deps: PacingMonitorDeps) {}

  start(): void {
    this.timer = setInterval(() => this.poke(), this.deps.intervalMs);
    this.poke();
  }

  /** Runs a pass now, or one more after the pass under way. Never throws. */
  poke(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.pass()
      .catch((err) => this.deps.logger.warn({ err: (err as Error).message }, "budget pacing pass failed; retried on the next tick"))
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          this.poke();
        }
      });
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.again = false;
    await this.running;
  }

  private async pass(): Promise<void> {
    const { store, campaigns, totals, logger } = this.deps;
    for (const check of await store.pendingChecks(BATCH)) {
      const campaign = await campaigns.get(check.tenantId, check.campaignId).catch((err: Error) => {
        logger.warn({ campaignId: check.campaignId, err: err.message }, "campaign service unavailable; budget check postponed");
        return undefined;
      });
      if (campaign === undefined) continue;
      if (campaign === null || campaign.budgetMicros === undefined) {
        await store.settle(check, []);
        continue;
      }
      const budgetMicros = BigInt(campaign.budgetMicros);
      const spendMicros = await spendToDate(totals, check.tenantId, check.campaignId, campaignZone(campaign, logger));
      const reached = reachedThresholds(spendMicros, budgetMicros).map((threshold) => ({
        threshold,
        budgetMicros,
        spendMicros,
        currencyCode: campaign.currencyCode,
      }));
      await store.settle(check, reached);
    }
    while ((await store.publishPending((signals) => this.publish(signals))) > 0);
  }

  private async publish(signals: FiredSignal[]): Promise<void> {
    await this.deps.producer.send({ topic: this.deps.topic, messages: signals.map(encodeSignal) });
    for (const s of signals)
      this.deps.logger.info({ campaignId: s.campaignId, threshold: s.threshold, spendMicros: s.spendMicros.toString() }, "budget signal published");
  }
}
