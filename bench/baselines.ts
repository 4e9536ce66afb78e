/**
 * Baselines measured in the same run as the system figures: what the parts can do on their own
 * on this machine, so that Tally's numbers can be read against them.
 */
import { spawn } from "node:child_process";
import { writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { createKafka, createProducer, createTopicsReady } from "#common/kafka.js";
import { createLogger } from "#common/logger.js";
import { checkHttp, waitFor } from "../scripts/dev/health.js";
import { ROOT } from "../scripts/dev/processes.js";
import { uniqueName } from "../test/support/stack.js";
import { ghzClosedLoop } from "./ghz.js";
import type { LatencySummary } from "./stats.js";
import { wrkClosedLoop } from "./wrk.js";

const logger = createLogger("bench", "warn");

export interface KafkaBaseline {
  produceRate: number;
  consumeRate: number;
  endToEndRate: number;
  /** CPU this process (the client) spent per message, producing and consuming. */
  clientCpuMicrosPerMessage: number;
}

const cpuMicros = (since: NodeJS.CpuUsage) => {
  const c = process.cpuUsage(since);
  return c.user + c.system;
};

/** kafkajs alone: produce N envelope-sized messages (acks=all, idempotent, batches of 1000), then consume them all. */
export async function kafkaBaseline(brokers: string[], n: number): Promise<KafkaBaseline> {
  const kafka = createKafka({ brokers, clientId: "bench-baseline", logger });
  const topic = uniqueName("bench.baseline.");
  const admin = kafka.admin();
  await admin.connect();
  await createTopicsReady(admin, [{ topic, numPartitions: 6, replicationFactor: 1 }]);
  const producer = createProducer(kafka);
  await producer.connect();
  const value = Buffer.alloc(160, 7);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const inFlight: Promise<unknown>[] = [];
  for (let i = 0; i < n; i += 1000) {
    const messages = Array.from({ length: Math.min(1000, n - i) }, (_, j) => ({ key: `c${(i + j) % 64}`, value }));
    inFlight.push(producer.send({ topic, acks: -1, messages }));
    if (inFlight.length >= 8) await inFlight.shift();
  }
  await Promise.all(inFlight);
  const produced = performance.now();
  const consumer = kafka.consumer({ groupId: uniqueName("bench-baseline-") });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let seen = 0;
  const c0 = performance.now();
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachBatch: async ({ batch }) => {
        seen += batch.messages.length;
        if (seen >= n) resolve();
      },
    });
  });
  const consumed = performance.now();
  const cpu = cpuMicros(cpu0);
  await consumer.disconnect();
  await producer.disconnect();
  await admin.deleteTopics({ topics: [topic] }).catch(() => {});
  await admin.disconnect();
  return {
    produceRate: n / ((produced - t0) / 1000),
    consumeRate: n / ((consumed - c0) / 1000),
    endToEndRate: n / ((consumed - t0) / 1000),
    clientCpuMicrosPerMessage: cpu / n,
  };
}

/**
 * The same with @platformatic/kafka (producer idempotent, acks=all; consumer from the earliest
 * offset), when it is installed (or TALLY_BENCH_PLATFORMATIC_KAFKA names its entry module): the
 * measurement that decides whether Tally's Kafka client should change. Null when absent.
 */
export async function platformaticKafkaBaseline(brokers: string[], n: number): Promise<KafkaBaseline | null> {
  type Pk = {
    Producer: new (o: object) => { send(o: object): Promise<unknown>; close(): Promise<void> };
    Consumer: new (o: object) => { consume(o: object): Promise<AsyncIterable<unknown> & { close(): Promise<void> }>; close(force?: boolean): Promise<void> };
    Admin: new (o: object) => { createTopics(o: object): Promise<unknown>; deleteTopics(o: object): Promise<unknown>; close(): Promise<void> };
  };
  let pk: Pk;
  try {
    pk = (await import(process.env.TALLY_BENCH_PLATFORMATIC_KAFKA ?? "@platformatic/kafka")) as Pk;
  } catch {
    return null;
  }
  const topic = uniqueName("bench.baseline.pk.");
  const admin = new pk.Admin({ clientId: "bench-baseline-pk", bootstrapBrokers: brokers });
  await admin.createTopics({ topics: [topic], partitions: 6, replicas: 1 });
  await new Promise((r) => setTimeout(r, 1000)); // leaders elected
  const producer = new pk.Producer({ clientId: "bench-baseline-pk", bootstrapBrokers: brokers, idempotent: true, acks: -1 });
  const value = Buffer.alloc(160, 7);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const inFlight: Promise<unknown>[] = [];
  for (let i = 0; i < n; i += 1000) {
    const messages = Array.from({ length: Math.min(1000, n - i) }, (_, j) => ({ topic, key: Buffer.from(`c${(i + j) % 64}`), value, partition: (i + j) % 6 }));
    inFlight.push(producer.send({ messages }));
    if (inFlight.length >= 8) await inFlight.shift();
  }
  await Promise.all(inFlight);
  const produced = performance.now();
  const consumer = new pk.Consumer({ clientId: "bench-baseline-pk", groupId: uniqueName("bench-baseline-pk-"), bootstrapBrokers: brokers });
  const c0 = performance.now();
  const stream = await consumer.consume({ topics: [topic], mode: "earliest", autocommit: false, maxWaitTime: 250 });
  let seen = 0;
  for await (const _ of stream) {
    if (++seen >= n) break;
  }
  const consumed = performance.now();
  const cpu = cpuMicros(cpu0);
  await stream.close().catch(() => {});
  await consumer.close(true).catch(() => {});
  await producer.close();
  await admin.deleteTopics({ topics: [topic] }).catch(() => {});
  await admin.close();
  return {
    produceRate: n / ((produced - t0) / 1000),
    consumeRate: n / ((consumed - c0) / 1000),
    endToEndRate: n / ((consumed - t0) / 1000),
    clientCpuMicrosPerMessage: cpu / n,
  };
}

/** Postgres alone: multi-row upserts of rollup-shaped rows (unnest, 5000 per statement). */
export async function pgUpsertBaseline(adminUrl: string, n: number): Promise<{ rowsPerSecond: number }> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`CREATE TEMP TABLE bench_rollups (k text, b timestamptz, p text, r text, s smallint, n bigint, c bigint, PRIMARY KEY (k, b, p, r, s))`);
    const t0 = performance.now();
    // The first half of the rows insert, the second half update them: a statement never names
    // the same key twice (Postgres refuses that), and both paths of the upsert are measured.
    const half = Math.ceil(n / 2);
    for (let i = 0; i < n; i += 5000) {
      const size = Math.min(5000, n - i);
      const idx = (j: number) => (i + j) % half;
      const keys = Array.from({ length: size }, (_, j) => `c${idx(j) % 500}`);
      const buckets = Array.from({ length: size }, (_, j) => new Date(Date.UTC(2026, 0, 1) + Math.floor(idx(j) / 500) * 900_000).toISOString());
      await client.query(
        `INSERT INTO bench_rollups SELECT k, b, 'meta', 'US', 1, 1, 1 FROM unnest($1::text[], $2::timestamptz[]) AS t(k, b)
         ON CONFLICT (k, b, p, r, s) DO UPDATE SET n = bench_rollups.n + excluded.n, c = bench_rollups.c + excluded.c`,
        [keys, buckets],
      );
    }
    return { rowsPerSecond: n / ((performance.now() - t0) / 1000) };
  } finally {
    await client.end();
  }
}

export interface EchoBaseline {
  grpc: LatencySummary;
  envoyRest: LatencySummary;
}

/**
 * The cheapest call the analytics process answers — grpc.health.v1.Health/Check — loaded by ghz,
 * and the same call through an Envoy of its own that transcodes JSON like the edge does: what the
 * server process and the REST door cost before any Tally work.
 */
export async function echoBaselines(envoyBin: string, target: string, concurrency: number, seconds: number): Promise<EchoBaseline> {
  const grpc = await ghzClosedLoop({ target, call: "grpc.health.v1.Health.Check", data: {}, concurrency, seconds });
  const dir = mkdtempSync(join(tmpdir(), "tally-bench-"));
  const envoyPort = Number(process.env.TALLY_BENCH_ECHO_PORT ?? 18080);
  const [host, port] = target.split(":");
  writeFileSync(join(dir, "envoy.yaml"), echoEnvoyConfig(envoyPort, host!, Number(port), `${ROOT}envoy/tally.binpb`));
  const envoy = spawn(envoyBin, ["-c", join(dir, "envoy.yaml"), "--disable-hot-restart", "--base-id", String(envoyPort + 1), "--log-level", "warn"], {
    stdio: "ignore",
  });
  try {
    await waitFor("echo envoy", () => checkHttp(`http://127.0.0.1:${envoyPort}/ready`), 20_000);
    const envoyRest = await wrkClosedLoop({ url: `http://127.0.0.1:${envoyPort}/grpc.health.v1.Health/Check`, postBody: "{}", concurrency, seconds });
    return { grpc, envoyRest };
  } finally {
    envoy.kill("SIGTERM");
  }
}

function echoEnvoyConfig(listen: number, upstreamHost: string, upstreamPort: number, descriptor: string): string {
  return `
static_resources:
  listeners:
    - address: { socket_address: { address: 127.0.0.1, port_value: ${listen} } }
      filter_chains:
        - filters:
            - name: envoy.filters.network.http_connection_manager
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                stat_prefix: echo
                route_config:
                  virtual_hosts:
                    - name: echo
                      domains: ["*"]
                      routes:
                        - match: { path: "/ready" }
                          direct_response: { status: 200 }
                        - match: { prefix: "/" }
                          route: { cluster: echo }
                http_filters:
                  - name: envoy.filters.http.grpc_json_transcoder
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.grpc_json_transcoder.v3.GrpcJsonTranscoder
                      proto_descriptor: ${descriptor}
                      services: [grpc.health.v1.Health]
                      # health.proto has no google.api.http rules: map POST /<service>/<method>.
                      auto_mapping: true
                      convert_grpc_status: true
                  - name: envoy.filters.http.router
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
  clusters:
    - name: echo
      type: STATIC
      typed_extension_protocol_options:
        envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
          "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
          explicit_http_config: { http2_protocol_options: {} }
      load_assignment:
        cluster_name: echo
        endpoints:
          - lb_endpoints:
              - endpoint: { address: { socket_address: { address: ${upstreamHost}, port_value: ${upstreamPort} } } }
`;
}
