/**
 * deploy/grafana/tally.json queries exactly the series the services export, and those series follow
 * the naming convention. The registries are built here in-process by the same factories wire()
 * uses (no Postgres, Redis or Kafka: the outbox backlog source is a stub that is never asked).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import type { MetricObjectWithValues, MetricValue } from "prom-client";
import { createAggregatorMetrics } from "../../analytics/src/aggregator/aggregator-metrics.js";
import { createInsightsCacheMetrics } from "../../analytics/src/cache/insights-cache.js";
import { createOutboxMetrics } from "../../campaign/src/outbox/outbox-relay.js";
import { RedisClickCounter } from "../../ingestion/src/click-flood/redis-click-counter.js";
import { createIngestionMetrics } from "../../ingestion/src/ingestion-metrics.js";
import { createLogger } from "./logger.js";
import type { Redis } from "./redis.js";
import { createMetrics, type Metrics } from "./metrics.js";

const DASHBOARD = new URL("../../../deploy/grafana/tally.json", import.meta.url);

/** Every process's registry, as its wire() builds it (less parts that need a live connection). */
function processRegistries(): Record<string, Metrics> {
  const campaign = createMetrics("campaign");
  createOutboxMetrics(campaign, async () => 0);
  const ingestion = createMetrics("ingestion");
  createIngestionMetrics(ingestion);
  // Registers its counter when built; it touches Redis only when asked to count.
  new RedisClickCounter({} as Redis, createLogger("test", "silent"), ingestion);
  const analytics = createMetrics("analytics");
  createInsightsCacheMetrics(analytics);
  const aggregator = createMetrics("analytics-aggregator");
  createAggregatorMetrics(aggregator);
  return { campaign, ingestion, analytics, aggregator };
}

/** Metric name → type, over all registries. */
function exported(): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of Object.values(processRegistries())) {
    for (const metric of m.registry.getMetricsAsArray()) out.set(metric.name, (metric as unknown as { type: string }).type ?? "");
  }
  return out;
}

/** The series a PromQL expression names (a histogram's _bucket/_count/_sum map to the histogram). */
function namesIn(expr: string, known: Map<string, string>): string[] {
  const tokens = expr.match(/\b(?:tally|process|nodejs)_[a-z0-9_]+\b/g) ?? [];
  return tokens.map((t) => {
    const base = t.replace(/_(bucket|count|sum)$/, "");
    return base !== t && known.get(base) === "histogram" ? base : t;
  });
}

function dashboardExprs(): { title: string; expr: string }[] {
  const dash = JSON.parse(readFileSync(DASHBOARD, "utf8")) as {
    panels: { title: string; targets?: { expr: string }[] }[];
    templating: { list: { definition?: string }[] };
  };
  const exprs = dash.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ title: p.title, expr: t.expr })));
  for (const v of dash.templating.list) if (v.definition) exprs.push({ title: "variable", expr: v.definition });
  return exprs;
}

describe("metrics and the Grafana dashboard", () => {
  const known = exported();

  it("every series the dashboard queries is exported by a service", () => {
    const missing = dashboardExprs().flatMap(({ title, expr }) =>
      namesIn(expr, known)
        .filter((n) => !known.has(n))
        .map((n) => `${title}: ${n}`),
    );
    assert.deepEqual(missing, []);
  });

  it("every tally_ series is on the dashboard", () => {
    const used = new Set(dashboardExprs().flatMap(({ expr }) => namesIn(expr, known)));
    const unused = [...known.keys()].filter((n) => n.startsWith("tally_") && !used.has(n)).sort();
    assert.deepEqual(unused, []);
  });

  it("names follow tally_<subsystem>_<name>_<unit>: _total counters, _seconds histograms, a unit on gauges", () => {
    const wrong: string[] = [];
    for (const [name, type] of known) {
      if (!name.startsWith("tally_")) continue;
      if (!/^tally_[a-z]+_[a-z0-9_]+$/.test(name)) wrong.push(`${name}: shape`);
      if (type === "counter" && !name.endsWith("_total")) wrong.push(`${name}: counter without _total`);
      if (type !== "counter" && name.endsWith("_total")) wrong.push(`${name}: _total on a ${type}`);
      if (type === "histogram" && !name.endsWith("_seconds")) wrong.push(`${name}: histogram without _seconds`);
      if (type === "gauge" && !/_(messages|state|bytes|seconds|ratio)$/.test(name)) wrong.push(`${name}: gauge without a unit`);
    }
    assert.deepEqual(wrong, []);
  });

  it("the RPC histogram is labelled by method and code, as the RPC kit observes it", async () => {
    const m = createMetrics("t");
    m.rpcDuration.observe({ method: "tally.campaign.v1.CampaignService/GetCampaign", code: "NOT_FOUND" }, 0.004);
    const { values } = (await m.registry.getSingleMetric("tally_rpc_server_duration_seconds")!.get()) as MetricObjectWithValues<MetricValue<string>>;
    const count = values.find((v) => (v as { metricName?: string }).metricName === "tally_rpc_server_duration_seconds_count");
    assert.deepEqual(count?.labels, { method: "tally.campaign.v1.CampaignService/GetCampaign", code: "NOT_FOUND" });
    assert.equal(count?.value, 1);
  });

  it("a dashboard naming a series nobody exports fails the check", () => {
    assert.deepEqual(
      namesIn("sum(rate(tally_ingest_receipts_totl[5m])) + tally_aggregator_flush_seconds_count", known).filter((n) => !known.has(n)),
      ["tally_ingest_receipts_totl"],
    );
  });
});
