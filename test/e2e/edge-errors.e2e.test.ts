/**
 * Errors at the REST edge have one shape, whoever makes them: a service (convert_grpc_status) or
 * Envoy itself (local_reply_config + envoy/local-reply.lua). Every case goes through a real Envoy:
 * the stack's (TALLY_ENVOY_URL), or a private one whose upstreams are all down.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { closedPort, startPrivateEnvoy, type PrivateEnvoy } from "../support/envoy.js";
import { stack, uniqueName } from "../support/stack.js";
import { rest } from "./rest.js";

interface ErrorBody {
  code: number;
  message: string;
  details: Array<{
    "@type": string;
    reason?: string;
    domain?: string;
    metadata?: Record<string, string>;
    fieldViolations?: Array<{ field: string; description: string }>;
  }>;
}

/** Sends `body` byte for byte (rest() would serialize it), and parses the answer as JSON. */
async function raw(method: string, path: string, opts: { token?: string; body?: string; headers?: Record<string, string>; base?: string } = {}) {
  const res = await fetch(`${opts.base ?? stack.envoyUrl}${path}`, {
    method,
    headers: { "content-type": "application/json", ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}), ...opts.headers },
    body: opts.body,
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Kept as text: the assertion below shows it.
  }
  return { status: res.status, contentType: res.headers.get("content-type"), requestId: res.headers.get("x-request-id"), body: body as ErrorBody };
}

const errorInfo = (b: ErrorBody) => b.details.find((d) => d["@type"] === "type.googleapis.com/google.rpc.ErrorInfo");
const violations = (b: ErrorBody) => b.details.find((d) => d["@type"] === "type.googleapis.com/google.rpc.BadRequest")?.fieldViolations;

/** Asserts the shared shape: status, JSON, code, ErrorInfo reason in domain tally.dev. */
function assertError(res: Awaited<ReturnType<typeof raw>>, status: number, code: number, reason: string, opts: { requestId?: boolean } = {}): ErrorBody {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.match(res.contentType ?? "", /^application\/json/);
  assert.equal(typeof res.body, "object", `a JSON body, got ${JSON.stringify(res.body)}`);
  assert.equal(res.body.code, code);
  assert.equal(typeof res.body.message, "string");
  assert.ok(res.body.message.length > 0);
  const info = errorInfo(res.body);
  assert.deepEqual({ reason: info?.reason, domain: info?.domain }, { reason, domain: "tally.dev" });
  if (opts.requestId !== false) assert.ok(res.requestId, "errors carry x-request-id");
  return res.body;
}

describe("REST edge errors through Envoy", () => {
  let token = "";
  let otherToken = "";
  let campaignId = "";

  before(async () => {
    const register = async (org: string) => {
      const reg = await rest("POST", "/v1/auth:register", {
        body: { email: `${uniqueName("edge")}@example.com`, password: "edge password 123", organizationName: org },
      });
      assert.equal(reg.status, 200, JSON.stringify(reg.body));
      return reg.body.accessToken as string;
    };
    token = await register("Edge A");
    otherToken = await register("Edge B");
    const created = await rest("POST", "/v1/campaigns", {
      token,
      body: { name: uniqueName("Edge "), type: "CAMPAIGN_TYPE_PROMOTION", currencyCode: "USD", budgetMicros: "1000000", timeZone: "UTC" },
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    campaignId = created.body.campaign.id;
  });

  describe("GET …/metrics:stream refuses before its first byte", () => {
    const stream = (id: string, opts: { token?: string; query?: string } = {}) =>
      raw("GET", `/v1/campaigns/${id}/metrics:stream${opts.query ?? ""}`, { token: opts.token });

    it("401 without a credential", async () => {
      assertError(await stream(campaignId), 401, 16, "TOKEN_MISSING");
    });

    it("401 with a garbage credential", async () => {
      assertError(await stream(campaignId, { token: "not-a-token" }), 401, 16, "TOKEN_INVALID");
    });

    it("404 for another tenant's campaign, the same as for one that does not exist", async () => {
      const other = assertError(await stream(campaignId, { token: otherToken }), 404, 5, "CAMPAIGN_NOT_FOUND");
      const missing = assertError(await stream("00000000-0000-0000-0000-000000000000", { token: otherToken }), 404, 5, "CAMPAIGN_NOT_FOUND");
      assert.equal(other.message.replace(campaignId, "ID"), missing.message.replace("00000000-0000-0000-0000-000000000000", "ID"));
    });

    it("400 naming the field for bad input", async () => {
      const body = assertError(await stream(campaignId, { token, query: "?startDate=2025-02-30" }), 400, 3, "INVALID_ARGUMENT");
      assert.deepEqual(
        violations(body)?.map((v) => v.field),
        ["start_date"],
      );
    });
  });

  describe("transcoding failures are 400 with the field when Envoy knows it", () => {
    it("a misspelled enum in the body", async () => {
      const res = await raw("POST", "/v1/campaigns", { token, body: JSON.stringify({ name: "Edge enum", type: "CAMPAIGN_TYPE_PROMOTONX" }) });
      const body = assertError(res, 400, 3, "INVALID_ARGUMENT");
      assert.deepEqual(
        violations(body)?.map((v) => v.field),
        ["campaign.type"],
      );
      assert.match(violations(body)![0]!.description, /^invalid value "CAMPAIGN_TYPE_PROMOTONX"/);
    });

    it("a misspelled enum in the query string", async () => {
      const body = assertError(await raw("GET", `/v1/campaigns/${campaignId}/insights?granularity=GRANULARITY_DAYS`, { token }), 400, 3, "INVALID_ARGUMENT");
      assert.deepEqual(
        violations(body)?.map((v) => v.field),
        ["granularity"],
      );
    });

    it("a timestamp that is not RFC 3339", async () => {
      const body = assertError(
        await raw("POST", "/v1/campaigns", { token, body: JSON.stringify({ name: "Edge time", startTime: "yesterday" }) }),
        400,
        3,
        "INVALID_ARGUMENT",
      );
      assert.deepEqual(
        violations(body)?.map((v) => v.field),
        ["campaign.start_time"],
      );
    });

    it("a wrong-typed field in IngestEvents fails the whole request (no receipts)", async () => {
      const events = [
        { eventId: "ok-1", campaignId, type: "EVENT_TYPE_CLICK" },
        { eventId: "bad-2", campaignId, type: "EVENT_TYPE_CLICK", valueMicros: "twelve" },
      ];
      const res = await raw("POST", "/v1/events:ingest", { token, body: JSON.stringify({ events }) });
      const body = assertError(res, 400, 3, "INVALID_ARGUMENT");
      assert.deepEqual(
        violations(body)?.map((v) => v.field),
        ["events[1].value_micros"],
      );
      assert.equal((body as unknown as { receipts?: unknown }).receipts, undefined);
    });

    it("an unknown query parameter is refused, not ignored", async () => {
      const body = assertError(await raw("GET", "/v1/campaigns?pageSizee=5", { token }), 400, 3, "INVALID_ARGUMENT");
      assert.deepEqual(violations(body), [{ field: "pageSizee", description: "unknown query parameter" }]);
    });

    it("malformed JSON names no field", async () => {
      const body = assertError(await raw("POST", "/v1/events:ingest", { token, body: '{"events":[{"eventId":"a",' }), 400, 3, "INVALID_ARGUMENT");
      assert.equal(violations(body), undefined);
    });

    it("a long bad value is quoted only in part", async () => {
      const long = "X".repeat(100_000);
      const body = assertError(
        await raw("POST", "/v1/campaigns", { token, body: JSON.stringify({ name: "Edge long", type: long }) }),
        400,
        3,
        "INVALID_ARGUMENT",
      );
      assert.ok(body.message.length <= 301, `message of ${body.message.length} characters`);
      assert.ok(body.message.endsWith("…"));
      assert.equal(violations(body)?.[0]?.field, "campaign.type");
      assert.ok(violations(body)![0]!.description.length <= 301);
    });
  });

  it("404 ROUTE_NOT_FOUND for a path that maps to no method", async () => {
    const body = assertError(await raw("GET", "/v2/nothing/here"), 404, 5, "ROUTE_NOT_FOUND");
    assert.match(body.message, /\/v2\/nothing\/here/);
  });

  it("405 METHOD_NOT_ALLOWED with Allow for a known path and a method it does not take (was 404 before issue 7)", async () => {
    const res = await raw("PUT", "/v1/campaigns", { token, body: "{}" });
    assertError(res, 405, 12, "METHOD_NOT_ALLOWED");
    assert.deepEqual(errorInfo(res.body)?.metadata, { allow: "GET, POST" });
  });

  it("413 REQUEST_TOO_LARGE for a body over 4 MiB, before any service sees it", async () => {
    const body = JSON.stringify({ events: [{ eventId: "big", campaignId, attributes: { pad: "x".repeat(5 * 1024 * 1024) } }] });
    const res = await raw("POST", "/v1/events:ingest", { token, body });
    assert.equal(assertError(res, 413, 3, "REQUEST_TOO_LARGE").message, "request body larger than 4194304 bytes (4 MiB)");
  });

  it("431 HEADERS_TOO_LARGE for request headers over 60 KiB", async () => {
    const res = await raw("GET", "/v1/campaigns", { token, headers: { "x-padding": "p".repeat(70 * 1024) } });
    // Refused while the headers are read, before a request id exists.
    assert.equal(assertError(res, 431, 3, "HEADERS_TOO_LARGE", { requestId: false }).message, "request headers larger than 60 KiB");
  });

  it("a service error keeps the same shape (for comparison)", async () => {
    const body = assertError(await raw("GET", "/v1/campaigns/00000000-0000-0000-0000-000000000000", { token }), 404, 5, "CAMPAIGN_NOT_FOUND");
    assert.deepEqual(Object.keys(body).sort(), ["code", "details", "message"]);
  });

  describe("with every service down", () => {
    let envoy: PrivateEnvoy;

    before(async () => {
      const port = await closedPort();
      envoy = await startPrivateEnvoy({ campaign: port, ingestion: port, analytics: port });
    });
    after(() => envoy?.stop());

    it("503 SERVICE_UNAVAILABLE, with no upstream internals in the message", async () => {
      const res = await raw("GET", `/v1/campaigns/${campaignId}`, { token, base: envoy.url });
      const body = assertError(res, 503, 14, "SERVICE_UNAVAILABLE");
      assert.equal(body.message, "the service is unavailable; retry later");
    });

    it("a stream answers 503 too", async () => {
      assertError(await raw("GET", `/v1/campaigns/${campaignId}/metrics:stream`, { token, base: envoy.url }), 503, 14, "SERVICE_UNAVAILABLE");
    });

    it("health still answers from the edge", async () => {
      const health = await fetch(`${envoy.url}/healthz`);
      assert.equal(health.status, 200);
      assert.equal(await health.text(), "ok\n");
    });
  });
});
