/**
 * Keeps data_freshness moving while the topic is idle. Kafka only hands batches (and with them high
 * watermarks) to the consumer when there are messages, so once a second the aggregator asks the
 * broker for every partition's high watermark and marks the partitions whose stored position has
 * reached it as caught up at the moment just before asking.
 */
import type { Admin } from "kafkajs";
import type { Gauge } from "prom-client";
import type { Logger } from "#common/logger.js";
import type { PgOffsetStore } from "../store/offset-store.js";

export interface FreshnessTick {
  stop(): Promise<void>;
}

export function startFreshnessTick(opts: {
  admin: Admin;
  topic: string;
  offsets: PgOffsetStore;
  intervalMs: number;
  logger: Logger;
  /** Set per partition on every tick: high watermark − stored next offset (the whole partition when never applied). */
  lag?: Gauge<string>;
}): FreshnessTick {
  let running: Promise<void> | null = null;

  async function tick(): Promise<void> {
    // Taken before asking: an event acknowledged before `at` is below the watermark answered after it.
    const at = new Date();
    try {
      const watermarks = await opts.admin.fetchTopicOffsets(opts.topic);
      await opts.offsets.markCaughtUp(
        watermarks.map((w) => ({ partition: w.partition, low: BigInt(w.low), high: BigInt(w.high) })),
        at,
      );
      if (opts.lag) {
        const positions = await opts.offsets.read(watermarks.map((w) => w.partition));
        for (const w of watermarks) {
          const next = positions.get(w.partition) ?? BigInt(w.low);
          const behind = BigInt(w.high) - (next > BigInt(w.low) ? next : BigInt(w.low));
          opts.lag.set({ partition: String(w.partition) }, Number(behind > 0n ? behind : 0n));
        }
      }
    } catch (err) {
      opts.logger.warn({ err: (err as Error).message }, "could not refresh data freshness");
    }
  }

  const timer = setInterval(() => {
    running ??= tick().finally(() => {
      running = null;
    });
  }, opts.intervalMs);

  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
