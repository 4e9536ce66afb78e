/**
 * Live change notifications from the aggregator over Redis pub/sub, on one subscriber connection
 * per process shared by every open stream (a channel is subscribed while anyone listens to it).
 */
import { unavailable } from "#common/errors.js";
import type { Logger } from "#common/logger.js";
import type { Redis } from "#common/redis.js";
import type { CampaignRef } from "../domain/ad-events.js";
import type { LiveUpdates } from "../domain/live-metrics.js";
import { liveChannel } from "../cache/redis-keys.js";

interface Channel {
  listeners: Set<() => void>;
  /** Settles when Redis confirmed the SUBSCRIBE. */
  subscribed: Promise<unknown>;
}

export class RedisLiveUpdates implements LiveUpdates {
  private readonly channels = new Map<string, Channel>();

  /** `subscriber` must be a connection of its own: in subscriber mode Redis takes no other commands. */
  constructor(
    private readonly subscriber: Redis,
    private readonly keyPrefix: string,
    private readonly logger: Logger,
  ) {
    subscriber.on("message", (channel: string) => {
      for (const listener of this.channels.get(channel)?.listeners ?? []) listener();
    });
  }

  async subscribe(campaign: CampaignRef, onChange: () => void): Promise<() => Promise<void>> {
    const name = liveChannel(this.keyPrefix, campaign);
    let channel = this.channels.get(name);
    if (!channel) {
      channel = { listeners: new Set(), subscribed: this.subscriber.subscribe(name) };
      this.channels.set(name, channel);
    }
    channel.listeners.add(onChange);
    const unsubscribe = () => this.remove(name, channel, onChange);
    try {
      // From here on no publish for the campaign is missed.
      await channel.subscribed;
    } catch (err) {
      await unsubscribe();
      throw unavailable("redis", err);
    }
    return unsubscribe;
  }

  private async remove(name: string, channel: Channel, onChange: () => void): Promise<void> {
    channel.listeners.delete(onChange);
    if (channel.listeners.size > 0 || this.channels.get(name) !== channel) return;
    this.channels.delete(name);
    await this.subscriber.unsubscribe(name).catch((err: Error) => this.logger.warn({ err: err.message }, "redis unsubscribe failed"));
  }
}
