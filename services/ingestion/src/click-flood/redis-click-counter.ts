import type { Logger } from "#common/logger.js";
import type { Metrics } from "#common/metrics.js";
import type { Redis } from "#common/redis.js";
import type { ClickCounter, ClickWindow } from "../domain/click-flood.js";

/**
 * Adds ARGV[1] to the window's count and (re)sets its expiry to ARGV[2] ms; returns the new total.
 * One script, so that a count is never left without an expiry by a connection lost in between.
 */
const COUNT_SCRIPT = `
local total = redis.call('INCRBY', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return total`;

/**
 * Click counts in Redis, one key per (campaign, IP, window) under the client's key prefix, so that
 * every ingestion replica counts into the same windows. A key lives two window lengths after its
 * latest click: long enough for clicks of the window that arrive late, short enough that idle
 * windows cost nothing.
 */
export class RedisClickCounter implements ClickCounter {
  private readonly log: Logger;
  private readonly failures;
  private healthy = true;

  constructor(
    private readonly redis: Redis,
    logger: Logger,
    metrics: Metrics,
  ) {
    this.log = logger.child({ component: "redis-click-counter" });
    this.failures = metrics.counter(
      "tally_ingest_click_count_failures_total",
      "Click-flood counts Redis could not answer; those clicks were let through (fail open).",
    );
  }

  /** Never throws: 0 when Redis cannot answer, which lets the clicks through (the port's contract). */
  async count(campaignId: string, ip: string, window: ClickWindow, clicks: number): Promise<number> {
    const key = `clicks:${campaignId}:${ip}:${window.startMs}`;
    try {
      const total = Number(await this.redis.eval(COUNT_SCRIPT, 1, key, clicks, window.lengthMs * 2));
      if (!this.healthy) this.log.info("click counting works again");
      this.healthy = true;
      return total;
    } catch (err) {
      this.failures.inc();
      // Once per outage, not once per batch: the metric counts every miss.
      if (this.healthy) this.log.warn({ err }, "cannot count clicks; click floods go undetected until Redis answers");
      this.healthy = false;
      return 0;
    }
  }
}
