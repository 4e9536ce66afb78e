import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, ConfigReader, readCommon } from "./config.js";

describe("ConfigReader", () => {
  it("gives working local defaults when only development mode is set", () => {
    const r = new ConfigReader({ TALLY_MODE: "development" });
    const c = r.done(readCommon(r));
    assert.equal(c.pgUrl, "postgres://postgres@127.0.0.1:55432/tally");
    assert.deepEqual(c.kafkaBrokers, ["127.0.0.1:59092"]);
    assert.ok(Object.isFrozen(c));
  });

  it("reads the shutdown grace every service's gRPC server stops with", () => {
    const read = (env: Record<string, string>) => {
      const r = new ConfigReader({ TALLY_MODE: "development", ...env });
      return r.done(readCommon(r)).shutdownGraceMs;
    };
    assert.equal(read({}), 10_000);
    assert.equal(read({ TALLY_SHUTDOWN_GRACE_MS: "2500" }), 2500);
    assert.throws(() => read({ TALLY_SHUTDOWN_GRACE_MS: "61000" }), /TALLY_SHUTDOWN_GRACE_MS=61000 is outside 0..60000/);
  });

  it("reads the rate-limit defaults, overrides and the switch", () => {
    const read = (env: Record<string, string>) => {
      const r = new ConfigReader({ TALLY_MODE: "development", ...env });
      return r.done(readCommon(r));
    };
    assert.deepEqual(read({}).rateLimits, { ingest: { perSecond: 50_000, burst: 100_000 }, read: { perSecond: 100, burst: 200 } });
    assert.deepEqual(read({ TALLY_RATE_LIMIT_READ_PER_SECOND: "5", TALLY_RATE_LIMIT_READ_BURST: "10" }).rateLimits!.read, { perSecond: 5, burst: 10 });
    assert.equal(read({ TALLY_RATE_LIMIT_ENABLED: "false" }).rateLimits, null);
    assert.equal(read({}).rateLimitTimeoutMs, 50);
    // A full IngestEvents batch must fit in a full bucket.
    assert.throws(() => read({ TALLY_RATE_LIMIT_INGEST_BURST: "999" }), /TALLY_RATE_LIMIT_INGEST_BURST=999 is outside 1000\.\./);
  });

  it("turns tracing on only with an OTLP endpoint: TALLY_… first, then the standard OTEL_… variable", () => {
    const read = (env: Record<string, string>) => {
      const r = new ConfigReader({ TALLY_MODE: "development", ...env });
      return r.done(readCommon(r)).tracing;
    };
    assert.deepEqual(read({}), { otlpEndpoint: "", sampleRatio: 1 });
    assert.equal(read({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" }).otlpEndpoint, "http://collector:4318");
    assert.equal(read({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://a:4318", TALLY_OTEL_EXPORTER_OTLP_ENDPOINT: "https://b:4318" }).otlpEndpoint, "https://b:4318");
    // Empty is unset (the OTel rule): the standard variable applies; OTEL_SDK_DISABLED turns it all off.
    assert.equal(read({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://a:4318", TALLY_OTEL_EXPORTER_OTLP_ENDPOINT: "" }).otlpEndpoint, "http://a:4318");
    assert.equal(read({ TALLY_OTEL_EXPORTER_OTLP_ENDPOINT: " " }).otlpEndpoint, "");
    assert.equal(read({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://a:4318", OTEL_SDK_DISABLED: "true" }).otlpEndpoint, "");
    assert.equal(read({ TALLY_OTEL_SAMPLE_RATIO: "0.25" }).sampleRatio, 0.25);
    assert.throws(() => read({ TALLY_OTEL_EXPORTER_OTLP_ENDPOINT: "grpc://collector:4317" }), /TALLY_OTEL_EXPORTER_OTLP_ENDPOINT must use http: or https:/);
    assert.throws(() => read({ TALLY_OTEL_SAMPLE_RATIO: "1.5" }), /TALLY_OTEL_SAMPLE_RATIO="1.5" is not a number in 0..1/);
  });

  it("reports every problem at once, without echoing secrets or URLs", () => {
    const r = new ConfigReader({
      TALLY_PG_URL: "postgres://user:hunter2@[bad",
      TALLY_LOG_LEVEL: "loud",
      TALLY_JWT_SECRET: "short-secret",
      TALLY_KAFKA_BROKERS: " , ",
    });
    readCommon(r);
    r.int("TALLY_X_PORT", 1, 0, 10);
    const err = (() => {
      try {
        r.done({});
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error("expected ConfigError");
    })();
    assert.equal(err.problems.length, 4);
    assert.match(err.message, /TALLY_PG_URL is not a valid URL/);
    assert.match(err.message, /TALLY_LOG_LEVEL="loud" is not one of/);
    assert.match(err.message, /TALLY_JWT_SECRET must be at least 32 characters/);
    assert.match(err.message, /TALLY_KAFKA_BROKERS must list at least one value/);
    assert.doesNotMatch(err.message, /hunter2|short-secret/);
  });

  it("checks integer ranges", () => {
    const r = new ConfigReader({ A: "70000", B: "1.5", C: "8080" });
    assert.equal(r.port("A", 1), 1);
    assert.equal(r.int("B", 2), 2);
    assert.equal(r.port("C", 1), 8080);
    assert.throws(
      () => r.done({}),
      (e: ConfigError) => e.problems.length === 2,
    );
  });
});
