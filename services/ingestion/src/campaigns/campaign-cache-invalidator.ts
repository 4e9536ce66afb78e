import type { Consumer, EachMessagePayload, Kafka } from "kafkajs";
import { CampaignEvent } from "../../../../gen/tally/events/v1/events.js";
import type { Logger } from "../../../common/src/logger.js";

/** The part of the campaign cache that campaign events act on. */
export interface CampaignCache {
  invalidate(tenantId: string, campaignId: string): Promise<void>;
}

/**
 * Consumes `campaign-events` and deletes the cached entry of every campaign that changed, so that a
 * launch, pause or deletion is seen by ingestion at once instead of after the cache TTL. All
 * ingestion processes share one consumer group: the cache is shared, so one delete per event is enough.
 * Failures are logged and skipped rather than retried: the cache TTL bounds the staleness anyway.
 */
export class CampaignCacheInvalidator {
  private readonly consumer: Consumer;
  private readonly log: Logger;
  /** Resolves once the consumer has joined its group (tests wait for it). */
  readonly joined: Promise<void>;

  constructor(
    kafka: Kafka,
    private readonly opts: { topic: string; groupId: string },
    private readonly cache: CampaignCache,
    logger: Logger,
  ) {
    this.log = logger.child({ component: "campaign-cache-invalidator" });
    // A short fetch wait: disconnect() waits for the fetch in progress, and this topic is quiet.
    this.consumer = kafka.consumer({ groupId: opts.groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 1000 });
    this.joined = new Promise((resolve) => this.consumer.on(this.consumer.events.GROUP_JOIN, () => resolve()));
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.opts.topic, fromBeginning: false });
    await this.consumer.run({ eachMessage: (payload) => this.handle(payload) });
    this.log.info({ topic: this.opts.topic, groupId: this.opts.groupId }, "invalidating the campaign cache from campaign events");
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }

  private async handle({ message, partition }: EachMessagePayload): Promise<void> {
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
