import type { Producer } from "kafkajs";
import type { Counter } from "prom-client";
import type { Knex } from "#common/db.js";
import type { Logger } from "#common/logger.js";
import type { Metrics } from "#common/metrics.js";

export interface OutboxMetrics {
  published: Counter<string>;
}

/**
 * The outbox's series: rows published, and the backlog (rows not yet acknowledged by Kafka), counted
 * on each scrape by `backlog` (the partial index outbox_unpublished_idx keeps that cheap). A backlog
 * that grows means Kafka is unreachable or the relay is stuck: campaign changes are not reaching
 * ingestion and analytics.
 */
export function createOutboxMetrics(metrics: Metrics, backlog: () => Promise<number>): OutboxMetrics {
  metrics.gauge("tally_outbox_backlog_messages", "Outbox rows not yet published to Kafka.", [], async (gauge) => gauge.set(await backlog()));
  return { published: metrics.counter("tally_outbox_published_total", "Outbox rows published to Kafka (acknowledged, acks=all).") };
}

/** The backlog source createOutboxMetrics asks on each scrape. */
export async function countUnpublished(db: Knex): Promise<number> {
  const [row] = await db("outbox").whereNull("publish_time").count<{ count: string }[]>({ count: "*" });
  return Number(row?.count ?? 0);
}

interface OutboxRow {
  id: string;
  topic: string;
  message_key: string;
  payload: Buffer;
}

/**
 * Publishes committed outbox rows to Kafka in id order. At-least-once: consumers of
 * campaign-events must tolerate a repeated event (each carries a unique event_id).
 */
export class OutboxRelay {
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;

  constructor(
    private readonly db: Knex,
    private readonly producer: Producer,
    private readonly logger: Logger,
    private readonly opts: { pollMs: number; batchSize: number } = { pollMs: 100, batchSize: 500 },
    private readonly metrics?: OutboxMetrics,
  ) {}

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  /** Publishes one batch; returns how many rows it published. */
  async relayOnce(): Promise<number> {
    return this.db.transaction(async (trx) => {
      // 1. Lock the oldest unpublished rows. SKIP LOCKED lets a second relay take other rows
      //    instead of waiting. A crash here publishes nothing and loses nothing.
      const rows: OutboxRow[] = await trx("outbox")
        .select("id", "topic", "message_key", "payload")
        .whereNull("publish_time")
        .orderBy("id")
        .limit(this.opts.batchSize)
        .forUpdate()
        .skipLocked();
      if (rows.length === 0) return 0;
      // 2. Send and wait for acks=all. A crash after this step but before 3 commits nothing:
      //    the rows are sent again by the next relay (at-least-once).
      const byTopic = new Map<string, OutboxRow[]>();
      for (const r of rows) byTopic.set(r.topic, [...(byTopic.get(r.topic) ?? []), r]);
      await this.producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, rs]) => ({ topic, messages: rs.map((r) => ({ key: r.message_key, value: r.payload })) })),
      });
      // 3. Mark them published in the same transaction that locked them.
      await trx("outbox")
        .whereIn(
          "id",
          rows.map((r) => r.id),
        )
        .update({ publish_time: trx.fn.now() });
      this.metrics?.published.inc(rows.length);
      return rows.length;
    });
  }

  private async run(): Promise<void> {
    while (this.running) {
      let published = 0;
      try {
        published = await this.relayOnce();
      } catch (err) {
        this.logger.warn({ err }, "outbox relay failed; retrying");
      }
      if (published === 0 && this.running) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, this.opts.pollMs);
          this.wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
      }
    }
  }
}
