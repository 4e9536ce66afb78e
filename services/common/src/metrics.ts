import { createServer, type Server } from "node:http";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { Logger } from "./logger.js";

export interface Metrics {
  registry: Registry;
  rpcDuration: Histogram<"method" | "code">;
  counter(name: string, help: string, labelNames?: string[]): Counter<string>;
  /** A gauge; `collect` (called on every scrape) may set it from a source such as a query. */
  gauge(name: string, help: string, labelNames?: string[], collect?: (gauge: Gauge<string>) => Promise<void> | void): Gauge<string>;
}

/**
 * One registry per process; parts register their own series on it. Names follow
 * tally_<subsystem>_<name>_<unit>: `_total` for counters, `_seconds` for durations, `_messages` for
 * counts of queued things (deploy/grafana/tally.json queries exactly these; its test checks them).
 */
export function createMetrics(service: string): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  const rpcDuration = new Histogram({
    name: "tally_rpc_server_duration_seconds",
    help: "Time to handle a gRPC call, by full method name and status code (its _count is the call rate).",
    labelNames: ["method", "code"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const counters = new Map<string, Counter<string>>();
  const gauges = new Map<string, Gauge<string>>();
  return {
    registry,
    rpcDuration,
    counter(name, help, labelNames = []) {
      let c = counters.get(name);
      if (!c) {
        c = new Counter({ name, help, labelNames, registers: [registry] });
        counters.set(name, c);
      }
      return c;
    },
    gauge(name, help, labelNames = [], collect) {
      let g = gauges.get(name);
      if (!g) {
        g = new Gauge({
          name,
          help,
          labelNames,
          registers: [registry],
          ...(collect
            ? {
                collect: async function (this: Gauge<string>) {
                  await collect(this);
                },
              }
            : {}),
        });
        gauges.set(name, g);
      }
      return g;
    },
  };
}

/** Serves GET /metrics; port 0 picks a free port. Resolves to the bound port. */
export async function startMetricsServer(metrics: Metrics, port: number, logger: Logger): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer(async (req, res) => {
    if (req.url !== "/metrics") {
      res.writeHead(404).end();
      return;
    }
    try {
      res.writeHead(200, { "content-type": metrics.registry.contentType }).end(await metrics.registry.metrics());
    } catch (err) {
      logger.error({ err }, "metrics collection failed");
      res.writeHead(500).end();
    }
  });
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(port, "0.0.0.0", resolve));
  const bound = (server.address() as { port: number }).port;
  return { port: bound, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
