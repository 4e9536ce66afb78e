/**
 * Runs raw event retention (store/raw-event-retention.ts) from the aggregator process: one pass at
 * start, before consuming, so the coming days' partitions exist; then one every intervalMs. Every
 * aggregator runs the timer; an advisory lock lets one pass at a time do the work. A failed pass
 * is logged and tried again at the next tick: nothing is lost meanwhile (events of a day without
 * a partition land in raw_events_default and move into the day's partition when it is created).
 */
import type { Logger } from "#common/logger.js";
import type { PgRawEventRetention } from "../store/raw-event-retention.js";

export interface RetentionTimer {
  stop(): Promise<void>;
}

export async function startRetentionTimer(opts: { retention: PgRawEventRetention; intervalMs: number; logger: Logger }): Promise<RetentionTimer> {
  let running: Promise<void> | null = null;
  const pass = () =>
    (running ??= opts.retention
      .run()
      .then(() => undefined)
      .catch((err) => opts.logger.error({ err: (err as Error).message }, "raw event retention pass failed; trying again at the next tick"))
      .finally(() => {
        running = null;
      }));
  await pass();
  const timer = setInterval(pass, opts.intervalMs);
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
