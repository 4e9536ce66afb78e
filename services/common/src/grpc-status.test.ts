import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { status, type ServiceError } from "@grpc/grpc-js";
import { createLogger } from "./logger.js";
import { AppError, Violations } from "./errors.js";
import { decodeStatusDetails, toServiceError } from "./grpc-status.js";

const logger = createLogger("test", "silent");

describe("toServiceError", () => {
  it("carries ErrorInfo and every field violation", () => {
    const v = new Violations().add("campaign.name", "must be 3–255 characters").add("campaign.time_zone", "must be an IANA time zone");
    const err = (() => {
      try {
        v.throwIfAny();
      } catch (e) {
        return e;
      }
    })();
    const mapped = toServiceError(err, logger);
    assert.equal(mapped.code, status.INVALID_ARGUMENT);
    assert.match(mapped.details!, /campaign\.name: must be 3–255 characters; campaign\.time_zone/);
    const d = decodeStatusDetails(mapped as never);
    assert.equal(d.reason, "INVALID_ARGUMENT");
    assert.equal(d.domain, "tally.dev");
    assert.deepEqual(
      d.violations.map((x) => x.field),
      ["campaign.name", "campaign.time_zone"],
    );
  });

  it("adds RetryInfo and retry-after for rate limits", () => {
    const mapped = toServiceError(new AppError("RESOURCE_EXHAUSTED", "RATE_LIMITED", "slow down", { retryAfterMs: 1500 }), logger);
    assert.equal(mapped.code, status.RESOURCE_EXHAUSTED);
    assert.equal(mapped.metadata!.get("retry-after")[0], "2");
    assert.equal(decodeStatusDetails(mapped as never).retryDelayMs, 1500);
  });

  it("sends google.rpc.PreconditionFailure on FAILED_PRECONDITION, and ErrorInfo metadata", () => {
    const err = new AppError("FAILED_PRECONDITION", "INVALID_TRANSITION", "cannot launch a CAMPAIGN_STATUS_ACTIVE campaign", {
      metadata: { campaign_id: "c1" },
      preconditions: [{ type: "INVALID_TRANSITION", subject: "campaigns/c1", description: "cannot launch a CAMPAIGN_STATUS_ACTIVE campaign" }],
    });
    const d = decodeStatusDetails(toServiceError(err, logger) as never);
    assert.deepEqual(d.metadata, { campaign_id: "c1" });
    assert.deepEqual(d.preconditions, [
      { type: "INVALID_TRANSITION", subject: "campaigns/c1", description: "cannot launch a CAMPAIGN_STATUS_ACTIVE campaign" },
    ]);
    const bare = decodeStatusDetails(toServiceError(new AppError("FAILED_PRECONDITION", "NOT_READY", "not ready"), logger) as never);
    assert.deepEqual(bare.preconditions, [{ type: "NOT_READY", subject: "", description: "not ready" }], "one even where the thrower named none");
    assert.deepEqual(decodeStatusDetails(toServiceError(new AppError("ABORTED", "ETAG_MISMATCH", "stale"), logger) as never).preconditions, []);
  });

  it("names the Bearer scheme on UNAUTHENTICATED, with invalid_token when a credential was refused", () => {
    const header = (reason: string) => toServiceError(new AppError("UNAUTHENTICATED", reason, "no"), logger).metadata!.get("www-authenticate");
    assert.deepEqual(header("TOKEN_MISSING"), ['Bearer realm="tally"']);
    assert.deepEqual(header("TOKEN_EXPIRED"), ['Bearer realm="tally", error="invalid_token"']);
    assert.deepEqual(header("API_KEY_INVALID"), ['Bearer realm="tally", error="invalid_token"']);
    assert.deepEqual(toServiceError(new AppError("PERMISSION_DENIED", "ROLE_TOO_LOW", "no"), logger).metadata!.get("www-authenticate"), []);
  });

  it("hides internal causes from clients", () => {
    const mapped = toServiceError(new Error("connect ECONNREFUSED 10.0.0.5:5432 password=hunter2"), logger);
    assert.equal(mapped.code, status.INTERNAL);
    assert.equal(mapped.details, "internal error");
    assert.equal(decodeStatusDetails(mapped as never).reason, "INTERNAL");
  });
});

describe("toServiceError bounds what travels in headers", () => {
  it("clips a long message and long violation descriptions", () => {
    const long = "x".repeat(50_000);
    const err = new AppError("INVALID_ARGUMENT", "INVALID_ARGUMENT", long, { violations: [{ field: "name", description: long }] });
    const mapped = toServiceError(err, createLogger("test", "silent"));
    assert.equal(mapped.details!.length, 1000);
    assert.ok(mapped.details!.endsWith("…"));
    const decoded = decodeStatusDetails(mapped as Pick<ServiceError, "metadata">);
    assert.equal(decoded.violations[0]!.description.length, 300);
  });
});
