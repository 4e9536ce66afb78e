import type { Admin, Consumer, EachMessagePayload, Kafka } from "kafkajs";
import { CampaignEvent } from "#gen/tally/events/v1/events.js";
import type { Logger } from "#common/logger.js";

/** The part of the campaign cache that campaign events act on. */
export interface CampaignCache {
  invalidate(tenantId: string, campaignId: string): Promise<void>;
}

/**
 * The group's members heartbeat every second and a killed one is given up after this long. A new
 * member's join waits for that (kafkajs' default is 30 s, which kept a restarted ingestion on
 * cache bypass for half a minute); the broker's lowest allowed value is 6 s.
 */
const SESSION_TIMEOUT_MS = 10_000;
const HEARTBEAT_MS = 1_000;
/** Retry pause when the catch-up targets cannot be read (broker busy or restarting). */
const TARGETS_RETRY_MS = 1_000;

/**
 * Consumes `campaign-events` and deletes the cached entry of every campaign that changed, whatever
 * the event type (created, launched, deleted, undeleted…: a cached "not found" goes too), so that a
 * launch, pause, deletion or undeletion is seen by ingestion at once instead of after the cache TTL. All
 * ingestion processes share one consumer group: the cache is shared, so one delete per event is enough,
 * and a restarted process resumes from the group's committed offsets, so the events published while
 * it was down still invalidate.
 *
 * Until the consumer has joined and applied every campaign event that was published before its join
 * (after a start or a rebalance), cached entries may be stale: isCaughtUp() says when they are
 * trustworthy again. Start-up does not wait for it: the cache is bypassed meanwhile.
 * Failures are logged and skipped rather than retried: the cache TTL bounds the staleness anyway.
 */
export class CampaignCacheInvalidator {
  private readonly consumer: Consumer;
  private readonly admin: Admin;
  private readonly log: Logger;
  /** Resolves once the consumer has joined its group (tests wait for it). */
  readonly joined: Promise<void>;
  /** Assigned partitions not yet applied up to their end offset at the latest join. */
  private readonly behind = new Map<number, bigint>();
  /** Next offset to apply per partition, as far as this process applied them. */
  private readonly applied = new Map<number, bigint>();
  private caughtUp = false;
  /** Bumped at every join, rebalance and crash: a target computation of an older round is dropped. */
  private round = 0;
  private stopped = false;

  constructor(
    kafka: Kafka,
    private readonly opts: { topic: string; groupId: string },
    private readonly cache: CampaignCache,
    logger: Logger,
  ) {
    this.log = logger.child({ component: "campaign-cache-invalidator" });
    // A short fetch wait: disconnect() waits for the fetch in progress, and this topic is quiet.
    this.consumer = kafka.consumer({
      groupId: opts.groupId,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: 1000,
      sessionTimeout: SESSION_TIMEOUT_MS,
      heartbeatInterval: HEARTBEAT_MS,
    });
    this.admin = kafka.admin();
    this.joined = new Promise((resolve) => this.consumer.on(this.consumer.events.GROUP_JOIN, () => resolve()));
    this.consumer.on(this.consumer.events.GROUP_JOIN, ({ payload }) => void this.joinedWith(payload.memberAssignment[opts.topic] ?? []));
    for (const event of [this.consumer.events.REBALANCING, this.consumer.events.CRASH, this.consumer.events.STOP]) {
      this.consumer.on(event, () => this.distrust());
    }
  }

  /** Every campaign event published before the latest join has been applied to the cache. */
  isCaughtUp(): boolean {
    return this.caughtUp;
  }

  /** Connects and subscribes; joining the group goes on in the background (see isCaughtUp). */
  async start(): Promise<void> {
    await this.admin.connect();
    await this.consumer.connect();
    // From the beginning where the group has no committed offset yet (a partition it never consumed
    // from): starting at the end would skip an event published while every process was down.
    // Replaying old events costs only cache misses, and only once per group.
    await this.consumer.subscribe({ topic: this.opts.topic, fromBeginning: true });
    // run() resolves only after the join, which waits out a killed predecessor's session.
    this.consumer.run({ eachMessage: (payload) => this.handle(payload) }).catch((err) => this.log.error({ err }, "campaign event consumer failed to start"));
    this.log.info({ topic: this.opts.topic, groupId: this.opts.groupId }, "invalidating the campaign cache from campaign events");
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.distrust();
    await this.consumer.disconnect();
    await this.admin.disconnect();
  }

  private distrust(): void {
    this.round += 1;
    this.caughtUp = false;
  }

  /** Sets the catch-up targets of a join: the end offsets of the assigned partitions now. */
  private async joinedWith(partitions: number[]): Promise<void> {
    this.distrust();
    const round = this.round;
    while (!this.stopped && round === this.round) {
      try {
        const [ends, committed] = await Promise.all([
          this.admin.fetchTopicOffsets(this.opts.topic),
          this.admin.fetchOffsets({ groupId: this.opts.groupId, topics: [this.opts.topic] }),
        ]);
        if (round !== this.round) return;
        const start = new Map(committed[0]?.partitions.map((p) => [p.partition, BigInt(p.offset)]) ?? []);
        this.behind.clear();
        for (const p of partitions) {
          const offsets = ends.find((e) => e.partition === p);
          const end = BigInt(offsets?.high ?? "0");
          const committedAt = start.get(p) ?? -1n;
          // No committed offset: the consumer starts at the beginning (fromBeginning).
          const from = committedAt >= 0n ? committedAt : BigInt(offsets?.low ?? "0");
          const at = (this.applied.get(p) ?? from) > from ? this.applied.get(p)! : from;
          if (at < end) this.behind.set(p, end);
        }
        this.settle();
        return;
      } catch (err) {
        this.log.warn({ err: (err as Error).message }, "could not read campaign-events offsets; the campaign cache stays bypassed");
        await new Promise((r) => setTimeout(r, TARGETS_RETRY_MS));
      }
    }
  }

  private settle(): void {
    if (this.behind.size > 0) return;
    if (!this.caughtUp) this.log.info("caught up with campaign events; the campaign cache is trusted again");
    this.caughtUp = true;
  }

  private async handle({ message, partition }: EachMessagePayload): Promise<void> {
    await this.invalidateFrom(message, partition);
    const next = BigInt(message.offset) + 1n;
    this.applied.set(partition, next);
    const target = this.behind.get(partition);
    if (target !== undefined && next >= target) {
      this.behind.delete(partition);
      this.settle();
    }
  }

  private async invalidateFrom(message: EachMessagePayload["message"], partition: number): Promise<void> {
    let tenantId = "";
    let campaignId = message.key?.toString() ?? "";
    try {
      const event = CampaignEvent.decode(message.value ?? Buffer.alloc(0));
      tenantId = event.tenantId;
      campaignId = event.campaign?.id || campaignId;
    } catch (err) {
      this.log.warn({ err, partition, offset: message.offset }, "undecodable campaign event skipped");
      return;
    }
    if (!tenantId || !campaignId) {
      this.log.warn({ partition, offset: message.offset }, "campaign event without tenant or campaign id skipped");
      return;
    }
    try {
      await this.cache.invalidate(tenantId, campaignId);
    } catch (err) {
      this.log.warn({ err, campaignId }, "could not invalidate a cached campaign; it expires with its TTL");
    }
  }
}
