import { Kafka, logLevel, Partitioners, type Admin, type ITopicConfig, type LogEntry, type Producer } from "kafkajs";
import type { Logger } from "./logger.js";

export interface TopicNames {
  adEvents: string;
  adEventsDeadLetter: string;
  campaignEvents: string;
}

/** Topic names; the prefix (TALLY_KAFKA_TOPIC_PREFIX) lets tests and environments share a cluster. */
export function topicNames(prefix = ""): TopicNames {
  return {
    adEvents: `${prefix}ad-events`,
    adEventsDeadLetter: `${prefix}ad-events-dlq`,
    campaignEvents: `${prefix}campaign-events`,
  };
}

/** Partitions per topic: the unit of aggregator parallelism. */
export function topicConfigs(topics: TopicNames): ITopicConfig[] {
  return [
    { topic: topics.adEvents, numPartitions: 6, replicationFactor: 1 },
    { topic: topics.adEventsDeadLetter, numPartitions: 1, replicationFactor: 1 },
    { topic: topics.campaignEvents, numPartitions: 3, replicationFactor: 1 },
  ];
}

export function createKafka(opts: { brokers: string[]; clientId: string; logger: Logger }): Kafka {
  const log = opts.logger.child({ component: "kafkajs" });
  const toPino = (level: logLevel) => (level === logLevel.ERROR ? "error" : level === logLevel.WARN ? "warn" : level === logLevel.INFO ? "info" : "debug");
  return new Kafka({
    clientId: opts.clientId,
    brokers: opts.brokers,
    logLevel: logLevel.WARN,
    logCreator: () => (entry: LogEntry) => {
      const { message, ...extra } = entry.log;
      // Limited retries are deliberate (see createProducer); the warning about them is noise here.
      const level = message.startsWith("Limiting retries for the idempotent producer") ? "debug" : toPino(entry.level);
      log[level]({ namespace: entry.namespace, ...extra }, message);
    },
    retry: { initialRetryTime: 200, retries: 8 },
  });
}

/** Creates missing topics; existing ones are left as they are. */
export async function ensureTopics(kafka: Kafka, topics: ITopicConfig[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.topic));
    if (missing.length > 0) await createTopicsReady(admin, missing);
  } finally {
    await admin.disconnect();
  }
}

/**
 * Creates topics and returns once every partition has a leader. kafkajs's own wait
 * (waitForLeaders) gives up with UNKNOWN_TOPIC_OR_PARTITION when a broker that has just started
 * has not yet propagated the new topic's metadata; that answer means "not yet", so it is polled.
 */
export async function createTopicsReady(admin: Admin, topics: ITopicConfig[], timeoutMs = 30_000): Promise<void> {
  try {
    await admin.createTopics({ topics, waitForLeaders: true });
  } catch (err) {
    if ((err as { type?: string }).type !== "UNKNOWN_TOPIC_OR_PARTITION") throw err;
  }
  const names = topics.map((t) => t.topic);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const { topics: found } = await admin.fetchTopicMetadata({ topics: names });
      if (found.length === names.length && found.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))) return;
    } catch (err) {
      if ((err as { type?: string }).type !== "UNKNOWN_TOPIC_OR_PARTITION" || Date.now() > deadline) throw err;
    }
    if (Date.now() > deadline) throw new Error(`topics ${names.join(", ")} have no leaders after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * An idempotent producer (acks=all is passed per send). Retries are bounded so that a dead broker
 * fails the caller instead of hanging it; a caller retry may then write a message twice, which is
 * safe because every consumer de-duplicates by event id.
 */
export function createProducer(kafka: Kafka): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
    retry: { initialRetryTime: 100, retries: 5 },
  });
}

/**
 * Most value bytes per produce request. Kafka refuses a partition's record batch above 1 MiB
 * (message.max.bytes), and kafkajs sends all of a request's messages for one partition as one
 * batch; so a request stays below that in total, whatever the partitions, headers included.
 */
export const MAX_REQUEST_BYTES = 768 * 1024;

/**
 * Consecutive runs of items whose sizes add up to at most maxBytes; an item larger than that goes
 * alone. Sending the runs one request at a time keeps every produce request within Kafka's limit.
 */
export function splitIntoRequests<T>(items: T[], sizeOf: (item: T) => number, maxBytes = MAX_REQUEST_BYTES): T[][] {
  const requests: T[][] = [];
  let bytes = Infinity;
  for (const item of items) {
    const size = sizeOf(item);
    if (bytes + size > maxBytes) {
      requests.push([]);
      bytes = 0;
    }
    requests.at(-1)!.push(item);
    bytes += size;
  }
  return requests;
}
