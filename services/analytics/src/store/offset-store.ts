/**
 * consumer_offsets: the Kafka positions whose effects are in the tables, written in the same
 * transaction as those effects. This, not Kafka's committed offset, is where consumption resumes.
 */
import type { Knex } from "#common/db.js";
import { column, type ConsumerOffsetRow } from "./mapping.js";

export interface PartitionPosition {
  partition: number;
  /** First offset not yet applied. */
  nextOffset: bigint;
  /** Set when the flushed batch reached the partition's high watermark: the time it was fetched. */
  caughtUpAt: Date | null;
}

export interface PartitionWatermarks {
  partition: number;
  low: bigint;
  high: bigint;
}

export class PgOffsetStore {
  constructor(
    private readonly db: Knex,
    readonly groupId: string,
    readonly topic: string,
  ) {}

  /**
   * Locks the rows of these partitions (creating missing ones) until the transaction ends and
   * answers their stored next offsets. Another member flushing the same partition waits here, then
   * sees what this transaction stored.
   */
  async lock(trx: Knex.Transaction, partitions: number[]): Promise<Map<number, bigint>> {
    const sorted = [...partitions].sort((a, b) => a - b);
    await trx.raw(
      `INSERT INTO consumer_offsets (group_id, topic, partition, next_offset)
       SELECT ?, ?, p, 0 FROM unnest(?::int4[]) AS p ON CONFLICT DO NOTHING`,
      [this.groupId, this.topic, sorted],
    );
    const result = await trx.raw(
      `SELECT partition, next_offset, caught_up_at FROM consumer_offsets
       WHERE group_id = ? AND topic = ? AND partition = ANY(?::int4[]) ORDER BY partition FOR UPDATE`,
      [this.groupId, this.topic, sorted],
    );
    return new Map((result.rows as ConsumerOffsetRow[]).map((r) => [r.partition, BigInt(r.next_offset)]));
  }

  /** Moves positions forward only (a late flush of a member that lost the partition cannot rewind it). */
  async save(trx: Knex.Transaction, positions: PartitionPosition[]): Promise<void> {
    if (positions.length === 0) return;
    await trx.raw(
      `UPDATE consumer_offsets c
       SET next_offset = GREATEST(c.next_offset, u.next_offset),
           caught_up_at = GREATEST(c.caught_up_at, u.caught_up_at),
           update_time = now()
       FROM unnest(?::int4[], ?::int8[], ?::timestamptz[]) AS u(partition, next_offset, caught_up_at)
       WHERE c.group_id = ? AND c.topic = ? AND c.partition = u.partition`,
      [
        positions.map((p) => p.partition),
        positions.map((p) => p.nextOffset.toString()),
        column(positions.map((p) => p.caughtUpAt?.toISOString() ?? null)),
        this.groupId,
        this.topic,
      ],
    );
  }

  /** Stored next offsets of the given partitions (absent: never applied anything). */
  async read(partitions: number[]): Promise<Map<number, bigint>> {
    const result = await this.db.raw(
      `SELECT partition, next_offset, caught_up_at FROM consumer_offsets WHERE group_id = ? AND topic = ? AND partition = ANY(?::int4[])`,
      [this.groupId, this.topic, partitions],
    );
    return new Map((result.rows as ConsumerOffsetRow[]).map((r) => [r.partition, BigInt(r.next_offset)]));
  }

  /**
   * Records that at `at` every partition whose stored position had reached the high watermark read
   * just after `at` (or that holds no messages at all) was caught up. Keeps data_freshness moving
   * while a topic is idle, when no batch arrives to carry a high watermark.
   */
  async markCaughtUp(watermarks: PartitionWatermarks[], at: Date): Promise<void> {
    if (watermarks.length === 0) return;
    const args = [watermarks.map((w) => w.partition), watermarks.map((w) => w.low.toString()), watermarks.map((w) => w.high.toString())];
    await this.db.raw(
      `INSERT INTO consumer_offsets (group_id, topic, partition, next_offset)
       SELECT ?, ?, h.partition, 0 FROM unnest(?::int4[], ?::int8[], ?::int8[]) AS h(partition, low, high)
       ON CONFLICT DO NOTHING`,
      [this.groupId, this.topic, ...args],
    );
    await this.db.raw(
      `UPDATE consumer_offsets c SET caught_up_at = GREATEST(c.caught_up_at, ?::timestamptz), update_time = now()
       FROM unnest(?::int4[], ?::int8[], ?::int8[]) AS h(partition, low, high)
       WHERE c.group_id = ? AND c.topic = ? AND c.partition = h.partition AND (c.next_offset >= h.high OR h.low >= h.high)`,
      [at.toISOString(), ...args, this.groupId, this.topic],
    );
  }

  /**
   * Every event accepted before the answer is in the tables: the oldest caught-up time over the
   * topic's partitions (a partition never caught up counts as the epoch); now when nothing was ever
   * consumed or produced.
   */
  async dataFreshness(now: Date = new Date()): Promise<Date> {
    const result = await this.db.raw(
      `SELECT count(*)::int AS partitions, min(coalesce(caught_up_at, 'epoch'::timestamptz)) AS freshness
       FROM consumer_offsets WHERE group_id = ? AND topic = ?`,
      [this.groupId, this.topic],
    );
    const row = result.rows[0] as { partitions: number; freshness: Date | null };
    return row.partitions === 0 || !row.freshness ? now : row.freshness;
  }
}
