/** Helpers for the analytics service tests: config on the test stack, envelopes, waiting. */
import { randomUUID } from "node:crypto";
import { AdEventEnvelope, EventType, type AdEventRecord, type PlatformReportRecord } from "#gen/tally/events/v1/events.js";
import { stack, uniqueName } from "../../../test/support/stack.js";
import { loadConfig, type AnalyticsConfig } from "../src/config.js";

export interface TestNames {
  topicPrefix: string;
  redisPrefix: string;
  group: string;
}

export function testNames(label: string): TestNames {
  const id = uniqueName(label);
  return { topicPrefix: `${id}.`, redisPrefix: `${id}:`, group: `${id}-aggregator` };
}

/** A config on the native test stack with this file's own database, topics, keys and group. */
export function testConfig(dbUrl: string, names: TestNames, env: Record<string, string> = {}): AnalyticsConfig {
  return loadConfig({
    TALLY_LOG_LEVEL: process.env.TALLY_TEST_LOG ?? "silent",
    TALLY_PG_URL: dbUrl,
    TALLY_REDIS_URL: stack.redisUrl,
    TALLY_KAFKA_BROKERS: stack.kafkaBrokers.join(","),
    TALLY_KAFKA_TOPIC_PREFIX: names.topicPrefix,
    TALLY_REDIS_KEY_PREFIX: names.redisPrefix,
    TALLY_AGGREGATOR_GROUP: names.group,
    TALLY_AGGREGATOR_FLUSH_MS: "100",
    TALLY_AGGREGATOR_FRESHNESS_MS: "200",
    // Port 0 everywhere: test files run side by side on one machine.
    TALLY_ANALYTICS_HOST: "127.0.0.1",
    TALLY_ANALYTICS_PORT: "0",
    TALLY_ANALYTICS_METRICS_PORT: "0",
    TALLY_AGGREGATOR_METRICS_PORT: "0",
    TALLY_SHUTDOWN_GRACE_MS: "1000",
    TALLY_MODE: "development",
    TALLY_JWT_SECRET: stack.jwtSecret,
    ...env,
  });
}

export function adEvent(over: Partial<AdEventRecord>): AdEventRecord {
  return {
    tenantId: "tenant-a",
    eventId: randomUUID(),
    campaignId: "campaign-1",
    type: EventType.EVENT_TYPE_IMPRESSION,
    platform: "meta",
    region: "DE",
    occurTime: new Date(),
    receiveTime: new Date(),
    valueMicros: "0",
    costMicros: "0",
    currencyCode: "EUR",
    filtered: false,
    filterReason: "",
    attributes: {},
    conversionAction: "",
    ...over,
  };
}

export function platformReport(over: Partial<PlatformReportRecord>): PlatformReportRecord {
  return {
    tenantId: "tenant-a",
    campaignId: "campaign-1",
    platform: "google",
    region: "US",
    date: "2025-01-01",
    hour: undefined,
    impressions: "0",
    clicks: "0",
    conversions: "0",
    costMicros: "0",
    revenueMicros: "0",
    currencyCode: "EUR",
    reportTime: new Date(),
    conversionsMicros: "0",
    timeZone: "",
    conversionAction: "",
    ...over,
  };
}

/** A single-event message, as ingestion published before batching (still accepted): key = campaign id. */
export function eventMessage(event: AdEventRecord, partition?: number) {
  const value = Buffer.from(AdEventEnvelope.encode({ payload: { $case: "event", value: event } }).finish());
  return { key: event.campaignId, value, ...(partition === undefined ? {} : { partition }) };
}

/**
 * The Kafka messages ingestion publishes for one call: one AdEventEnvelope{batch} per campaign
 * (campaigns in order of first appearance), key = campaign id.
 */
export function batchMessages(events: AdEventRecord[], partition?: number) {
  const byCampaign = new Map<string, AdEventRecord[]>();
  for (const e of events) {
    const batch = byCampaign.get(e.campaignId);
    if (batch) batch.push(e);
    else byCampaign.set(e.campaignId, [e]);
  }
  return [...byCampaign].map(([campaignId, batch]) => ({
    key: campaignId,
    value: Buffer.from(AdEventEnvelope.encode({ payload: { $case: "batch", value: { events: batch } } }).finish()),
    ...(partition === undefined ? {} : { partition }),
  }));
}

export function reportMessage(report: PlatformReportRecord) {
  const value = Buffer.from(AdEventEnvelope.encode({ payload: { $case: "report", value: report } }).finish());
  return { key: report.campaignId, value };
}

/** Polls until check() returns a value other than undefined/null/false, or fails with the last error. */
export async function eventually<T>(check: () => Promise<T | undefined | null | false>, timeoutMs = 20_000, what = "condition"): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== null && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ""}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Collects stop functions like ShutdownSequence.onStop and runs them in reverse order. */
export function stopList() {
  const stops: { name: string; stop: () => Promise<void> | void }[] = [];
  return {
    onStop: (name: string, stop: () => Promise<void> | void) => void stops.push({ name, stop }),
    async stopAll() {
      for (const { stop } of stops.splice(0).reverse()) await stop();
    },
  };
}
