import { test } from "node:test";
import assert from "node:assert/strict";
import { backoffDelayMs, DEFAULT_RETRY_POLICY, parseDurationMs, parseRetryAfter } from "./retry-policy.js";

const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 1000, maxDelayMs: 8000 };

test("backoff without a hint doubles per failure, half fixed and half jitter, capped", () => {
  const table: Array<[number, number, number]> = [
    // failures, random, delay
    [1, 0, 500],
    [1, 1, 1000],
    [2, 0, 1000],
    [3, 0.5, 3000],
    [4, 1, 8000],
    [9, 0, 4000],
    [9, 1, 8000],
  ];
  for (const [failures, random, delay] of table)
    assert.equal(
      backoffDelayMs(policy, failures, undefined, () => random),
      delay,
      `${failures}/${random}`,
    );
});

test("a platform hint is honoured: never earlier, at most 10 % (≤ 1 s) later", () => {
  assert.equal(
    backoffDelayMs(policy, 1, 2000, () => 0),
    2000,
  );
  assert.equal(
    backoffDelayMs(policy, 1, 2000, () => 1),
    2200,
  );
  assert.equal(
    backoffDelayMs(policy, 5, 60_000, () => 1),
    61_000,
  );
  // A hint below the computed backoff still wins: the platform said when.
  assert.equal(
    backoffDelayMs(policy, 4, 100, () => 0),
    100,
  );
});

test("Retry-After in seconds or as an HTTP date", () => {
  const now = Date.parse("2026-12-01T12:00:00Z");
  assert.equal(parseRetryAfter("7", now), 7000);
  assert.equal(parseRetryAfter("Tue, 01 Dec 2026 12:00:30 GMT", now), 30_000);
  assert.equal(parseRetryAfter("Tue, 01 Dec 2026 11:00:00 GMT", now), 0);
  assert.equal(parseRetryAfter(null, now), undefined);
  assert.equal(parseRetryAfter("soon", now), undefined);
});

test("protobuf Duration JSON", () => {
  assert.equal(parseDurationMs("30s"), 30_000);
  assert.equal(parseDurationMs("1.5s"), 1500);
  assert.equal(parseDurationMs("0.000000001s"), 0);
  assert.equal(parseDurationMs("30"), undefined);
  assert.equal(parseDurationMs(30), undefined);
});
