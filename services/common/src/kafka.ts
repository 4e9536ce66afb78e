import { Kafka, logLevel, type ITopicConfig, type LogEntry } from "kafkajs";
import type { Logger } from "./logger.js";

export const TOPICS = {
  adEvents: "ad-events",
  adEventsDeadLetter: "ad-events-dlq",
  campaignEvents: "campaign-events",
} as const;

/** Partitions per topic: the unit of aggregator parallelism. */
export const DEFAULT_TOPICS: ITopicConfig[] = [
  { topic: TOPICS.adEvents, numPartitions: 6, replicationFactor: 1 },
  { topic: TOPICS.adEventsDeadLetter, numPartitions: 1, replicationFactor: 1 },
  { topic: TOPICS.campaignEvents, numPartitions: 3, replicationFactor: 1 },
];

export function createKafka(opts: { brokers: string[]; clientId: string; logger: Logger }): Kafka {
  const log = opts.logger.child({ component: "kafkajs" });
  const toPino = (level: logLevel) => (level === logLevel.ERROR ? "error" : level === logLevel.WARN ? "warn" : level === logLevel.INFO ? "info" : "debug");
  return new Kafka({
    clientId: opts.clientId,
    brokers: opts.brokers,
    logLevel: logLevel.WARN,
    logCreator: () => (entry: LogEntry) => {
      const { message, ...extra } = entry.log;
      log[toPino(entry.level)]({ namespace: entry.namespace, ...extra }, message);
    },
    retry: { initialRetryTime: 200, retries: 8 },
  });
}

/** Creates missing topics; existing ones are left as they are. */
export async function ensureTopics(kafka: Kafka, topics: ITopicConfig[] = DEFAULT_TOPICS): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.topic));
    if (missing.length > 0) await admin.createTopics({ topics: missing, waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}
