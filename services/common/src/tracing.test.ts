import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InMemorySpanExporter } from "@opentelemetry/sdk-trace";
import { startTracing, tracesUrl, TRACING_OFF } from "./tracing.js";

describe("startTracing", () => {
  it("is off without an endpoint: the API's no-op tracer, whose spans record nothing", () => {
    const tracing = startTracing("ingestion", { otlpEndpoint: "", sampleRatio: 1 });
    assert.equal(tracing, TRACING_OFF);
    assert.equal(tracing.tracer.startSpan("x").isRecording(), false);
  });

  it("records spans under the process's service.name and exports them on flush", async () => {
    const exporter = new InMemorySpanExporter();
    const tracing = startTracing("analytics-aggregator", { otlpEndpoint: "", sampleRatio: 1 }, exporter);
    tracing.tracer.startSpan("flush ad-events").end();
    assert.equal(exporter.getFinishedSpans().length, 0, "batched until flushed");
    await tracing.flush();
    const [span] = exporter.getFinishedSpans();
    assert.equal(span?.name, "flush ad-events");
    assert.equal(span?.resource.attributes["service.name"], "analytics-aggregator");
    assert.equal(span?.resource.attributes["service.namespace"], "tally");
    await tracing.shutdown();
  });

  it("derives the traces URL from the base endpoint as the OTel spec does", () => {
    assert.equal(tracesUrl("http://collector:4318"), "http://collector:4318/v1/traces");
    assert.equal(tracesUrl("http://collector:4318/"), "http://collector:4318/v1/traces");
  });
});
