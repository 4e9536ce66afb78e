import type { RateLimits } from "./rate-limit/rate-limit.js";
import { DEV_JWT_SECRET, RUN_MODES, signingSecretProblems, type RunMode } from "./signing-secret.js";

export { DEV_JWT_SECRET, type RunMode };

/**
 * Reading TALLY_* environment variables. Each service's config.ts builds its frozen config with a
 * ConfigReader and calls done(), which throws one ConfigError listing every problem at once.
 */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join("\n  - ")}`);
    this.name = "ConfigError";
  }
}

export type Env = Record<string, string | undefined>;

export class ConfigReader {
  private readonly problems: string[] = [];

  constructor(private readonly env: Env) {}

  str(name: string, fallback: string, opts: { allowEmpty?: boolean } = {}): string {
    const raw = this.env[name];
    if (raw === undefined) return fallback;
    if (raw.trim() === "" && !opts.allowEmpty) {
      this.problems.push(`${name} must not be empty`);
      return fallback;
    }
    return raw;
  }

  /** The signing secret, checked against the mode's rule (signing-secret.ts); never echoed back in problems. */
  signingSecret(name: string, mode: RunMode): string {
    const raw = this.env[name];
    if (raw !== undefined && raw.trim() === "") {
      this.problems.push(`${name} must not be empty`);
      return DEV_JWT_SECRET;
    }
    this.problems.push(...signingSecretProblems(name, raw, mode));
    return raw ?? DEV_JWT_SECRET;
  }

  int(name: string, fallback: number, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): number {
    const raw = this.env[name];
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value)) {
      this.problems.push(`${name}=${JSON.stringify(raw)} is not an integer`);
      return fallback;
    }
    if (value < min || value > max) {
      this.problems.push(`${name}=${value} is outside ${min}..${max}`);
      return fallback;
    }
    return value;
  }

  /** A number in min..max (fractions allowed). */
  decimal(name: string, fallback: number, min: number, max: number): number {
    const raw = this.env[name];
    if (raw === undefined) return fallback;
    const value = raw.trim() === "" ? NaN : Number(raw);
    if (!Number.isFinite(value) || value < min || value > max) {
      this.problems.push(`${name}=${JSON.stringify(raw)} is not a number in ${min}..${max}`);
      return fallback;
    }
    return value;
  }

  port(name: string, fallback: number): number {
    return this.int(name, fallback, 0, 65535);
  }

  oneOf<T extends string>(name: string, fallback: T, allowed: readonly T[]): T {
    const raw = this.str(name, fallback);
    if (!allowed.includes(raw as T)) {
      this.problems.push(`${name}=${JSON.stringify(raw)} is not one of ${allowed.join(", ")}`);
      return fallback;
    }
    return raw as T;
  }

  list(name: string, fallback: string[]): string[] {
    const raw = this.env[name];
    if (raw === undefined) return fallback;
    const items = raw
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    if (items.length === 0) this.problems.push(`${name} must list at least one value`);
    return items;
  }

  url(name: string, fallback: string, protocols: string[]): string {
    const raw = this.str(name, fallback);
    try {
      const u = new URL(raw);
      if (!protocols.includes(u.protocol)) this.problems.push(`${name} must use ${protocols.join(" or ")}`);
    } catch {
      // The value may carry a password: name the variable, not its content.
      this.problems.push(`${name} is not a valid URL`);
    }
    return raw;
  }

  /** Adds a problem found by a cross-field check. */
  problem(message: string): void {
    this.problems.push(message);
  }

  done<T extends object>(config: T): Readonly<T> {
    if (this.problems.length > 0) throw new ConfigError(this.problems);
    return Object.freeze(config);
  }
}

/** Settings every service shares; defaults match scripts/stack (the native local stack). */
export interface CommonConfig {
  /** TALLY_MODE: development accepts the published development secret; production (the default) does not. */
  mode: RunMode;
  logLevel: string;
  pgUrl: string;
  redisUrl: string;
  kafkaBrokers: string[];
  /** Prepended to every topic name. */
  kafkaTopicPrefix: string;
  /** Prepended to every Redis key. */
  redisKeyPrefix: string;
  jwtSecret: string;
  /** gRPC address of the campaign service, for callers. */
  campaignAddr: string;
  ingestionAddr: string;
  analyticsAddr: string;
  /** How long a stopping gRPC server lets in-flight calls finish before it cancels them. */
  shutdownGraceMs: number;
  /** How long a verified API key is trusted without asking again: a deleted key works at most this long (≤ 1 s, DESIGN §2.1). */
  apiKeyCacheTtlMs: number;
  /** Per-credential token buckets (rate-limit/rate-limit.ts); null when TALLY_RATE_LIMIT_ENABLED=false. */
  rateLimits: RateLimits | null;
  /** A rate-limit answer slower than this lets the call through (fail open). */
  rateLimitTimeoutMs: number;
  /** Tracing (common/src/tracing.ts): off unless an OTLP endpoint is set. */
  tracing: TracingSettings;
}

export interface TracingSettings {
  /**
   * OTLP/HTTP base URL, e.g. http://collector:4318 (spans go to …/v1/traces); "" = tracing off.
   * TALLY_OTEL_EXPORTER_OTLP_ENDPOINT, else the standard OTEL_EXPORTER_OTLP_ENDPOINT; the standard
   * OTEL_SDK_DISABLED=true turns it off whatever is set.
   */
  otlpEndpoint: string;
  /** TALLY_OTEL_SAMPLE_RATIO: share of new traces recorded; a call arriving with a sampled traceparent is always recorded. */
  sampleRatio: number;
}

const OTLP_ENDPOINT_VARS = ["TALLY_OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT"] as const;

function readTracing(r: ConfigReader): TracingSettings {
  const sampleRatio = r.decimal("TALLY_OTEL_SAMPLE_RATIO", 1, 0, 1);
  const disabled = r.oneOf("OTEL_SDK_DISABLED", "false", ["true", "false"]) === "true";
  // Empty counts as unset, as the OTel spec has it for its variables (compose passes `${X:-}` through).
  const name = OTLP_ENDPOINT_VARS.find((n) => r.str(n, "", { allowEmpty: true }).trim() !== "");
  const otlpEndpoint = name ? r.url(name, "", ["http:", "https:"]) : "";
  return Object.freeze({ otlpEndpoint: disabled ? "" : otlpEndpoint, sampleRatio });
}

export function readCommon(r: ConfigReader): CommonConfig {
  const mode = r.oneOf("TALLY_MODE", "production", RUN_MODES);
  return {
    mode,
    logLevel: r.oneOf("TALLY_LOG_LEVEL", "info", ["trace", "debug", "info", "warn", "error", "fatal", "silent"]),
    pgUrl: r.url("TALLY_PG_URL", "postgres://postgres@127.0.0.1:55432/tally", ["postgres:", "postgresql:"]),
    redisUrl: r.url("TALLY_REDIS_URL", "redis://127.0.0.1:56379", ["redis:", "rediss:"]),
    kafkaBrokers: r.list("TALLY_KAFKA_BROKERS", ["127.0.0.1:59092"]),
    kafkaTopicPrefix: r.str("TALLY_KAFKA_TOPIC_PREFIX", "", { allowEmpty: true }),
    redisKeyPrefix: r.str("TALLY_REDIS_KEY_PREFIX", "tally:", { allowEmpty: true }),
    jwtSecret: r.signingSecret("TALLY_JWT_SECRET", mode),
    campaignAddr: r.str("TALLY_CAMPAIGN_ADDR", "127.0.0.1:50051"),
    ingestionAddr: r.str("TALLY_INGESTION_ADDR", "127.0.0.1:50052"),
    analyticsAddr: r.str("TALLY_ANALYTICS_ADDR", "127.0.0.1:50053"),
    shutdownGraceMs: r.int("TALLY_SHUTDOWN_GRACE_MS", 10_000, 0, 60_000),
    apiKeyCacheTtlMs: r.int("TALLY_API_KEY_CACHE_TTL_MS", 1000, 0, 1000),
    rateLimits: readRateLimits(r),
    rateLimitTimeoutMs: r.int("TALLY_RATE_LIMIT_TIMEOUT_MS", 50, 1, 5000),
    tracing: readTracing(r),
  };
}

/**
 * Defaults per credential: ingest 50,000 events/s with a burst of 100,000 (a full 1000-event batch
 * is 1% of it); reads and other calls 100/s with a burst of 200 (a dashboard opening twenty
 * panels at once is far inside it). Per tenant, a Redis hash overrides them: README, Rate limits.
 */
function readRateLimits(r: ConfigReader): RateLimits | null {
  const enabled = r.oneOf("TALLY_RATE_LIMIT_ENABLED", "true", ["true", "false"]) === "true";
  const limits: RateLimits = {
    ingest: {
      perSecond: r.int("TALLY_RATE_LIMIT_INGEST_PER_SECOND", 50_000, 1, 10_000_000),
      burst: r.int("TALLY_RATE_LIMIT_INGEST_BURST", 100_000, 1000, 100_000_000),
    },
    read: {
      perSecond: r.int("TALLY_RATE_LIMIT_READ_PER_SECOND", 100, 1, 10_000_000),
      burst: r.int("TALLY_RATE_LIMIT_READ_BURST", 200, 1, 100_000_000),
    },
  };
  return enabled ? limits : null;
}
