/**
 * The HTTP contract points of issue 7 at the edge, through a private Envoy running this tree's
 * envoy/ in front of the stack's services: 405 with Allow, no grpc-* headers on REST answers (while
 * native gRPC through the same listener keeps its status), the ETag header and If-Match, WWW-
 * Authenticate on 401, undelete, and application/x-ndjson on the live stream.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { credentials, Metadata, type ServiceError } from "@grpc/grpc-js";
import { CampaignServiceClient } from "#gen/tally/campaign/v1/campaign_service.js";
import { ADDRS } from "../../scripts/dev/processes.js";
import { startPrivateEnvoy, type PrivateEnvoy } from "../support/envoy.js";
import { uniqueName } from "../support/stack.js";

const port = (addr: string) => Number(addr.split(":").pop());
let envoy: PrivateEnvoy;
let token = "";

async function http(method: string, path: string, opts: { body?: unknown; headers?: Record<string, string>; auth?: string | null } = {}) {
  const auth = opts.auth === undefined ? token : opts.auth;
  const res = await fetch(`${envoy.url}${path}`, {
    method,
    headers: { "content-type": "application/json", ...(auth ? { authorization: `Bearer ${auth}` } : {}), ...opts.headers },
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const text = await res.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    // kept as text for the assertion message
  }
  return { status: res.status, headers: res.headers, body };
}

const grpcHeaders = (h: Headers) => [...h.keys()].filter((k) => k.startsWith("grpc-"));

async function newCampaign(): Promise<{ id: string; etag: string }> {
  const res = await http("POST", "/v1/campaigns", {
    body: { name: uniqueName("Edge contract "), type: "CAMPAIGN_TYPE_PROMOTION", currencyCode: "USD", budgetMicros: "1000000", timeZone: "UTC" },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return { id: res.body.campaign.id, etag: res.body.campaign.etag };
}

before(async () => {
  envoy = await startPrivateEnvoy({ campaign: port(ADDRS.campaign), ingestion: port(ADDRS.ingestion), analytics: port(ADDRS.analytics) });
  const reg = await http("POST", "/v1/auth:register", {
    auth: null,
    body: { email: `${uniqueName("edge")}@example.com`, password: "edge password 123", organizationName: "Edge contract" },
  });
  assert.equal(reg.status, 200, JSON.stringify(reg.body));
  token = reg.body.accessToken;
});
after(async () => {
  await envoy?.stop();
});

describe("REST contract at the edge", () => {
  it("answers a known path with a wrong method 405, Allow and the JSON error shape", async () => {
    const { id } = await newCampaign();
    for (const [method, path, allow] of [
      ["PUT", `/v1/campaigns/${id}`, "GET, PATCH, DELETE"],
      ["DELETE", "/v1/campaigns", "GET, POST"],
      ["GET", `/v1/campaigns/${id}:launch`, "POST"],
      ["POST", "/v1/campaignPerformance", "GET"],
    ] as const) {
      const res = await http(method, path, { body: method === "GET" || method === "DELETE" ? undefined : {} });
      assert.equal(res.status, 405, `${method} ${path}: ${JSON.stringify(res.body)}`);
      assert.equal(res.headers.get("allow"), allow);
      assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
      assert.deepEqual(res.body.details, [
        { "@type": "type.googleapis.com/google.rpc.ErrorInfo", domain: "tally.dev", metadata: { allow }, reason: "METHOD_NOT_ALLOWED" },
      ]);
    }
    const unknown = await http("PUT", `/v1/campaigns/${id}:frobnicate`, { body: {} });
    assert.equal(unknown.status, 404, "an unknown path stays 404");
  });

  it("sends no grpc-* headers on REST answers, success or error, while native gRPC through the same listener keeps its status", async () => {
    const { id } = await newCampaign();
    const ok = await http("GET", `/v1/campaigns/${id}`);
    assert.equal(ok.status, 200);
    assert.deepEqual(grpcHeaders(ok.headers), []);
    const missing = await http("GET", "/v1/campaigns/00000000-0000-4000-8000-000000000000");
    assert.equal(missing.status, 404);
    assert.deepEqual(grpcHeaders(missing.headers), []);
    const client = new CampaignServiceClient(envoy.url.replace("http://", ""), credentials.createInsecure());
    try {
      const md = new Metadata();
      md.set("authorization", `Bearer ${token}`);
      const err = await new Promise<ServiceError>((resolve, reject) =>
        client.getCampaign({ id: "00000000-0000-4000-8000-000000000000" }, md, (e) => (e ? resolve(e) : reject(new Error("expected NOT_FOUND")))),
      );
      assert.equal(err.code, 5, "gRPC clients still get grpc-status");
      assert.ok(err.metadata.get("grpc-status-details-bin").length > 0, "and the rich details");
    } finally {
      client.close();
    }
  });

  it("sends ETag on GET and PATCH, and honours If-Match with or without quotes", async () => {
    const { id } = await newCampaign();
    const got = await http("GET", `/v1/campaigns/${id}`);
    assert.equal(got.headers.get("etag"), '"1"');
    const stale = await http("PATCH", `/v1/campaigns/${id}?update_mask=description`, { body: { description: "x" }, headers: { "if-match": '"7"' } });
    assert.equal(stale.status, 409);
    assert.deepEqual(stale.body.details[0].metadata, { campaign_id: id, etag: '"1"' });
    const patched = await http("PATCH", `/v1/campaigns/${id}?update_mask=description`, { body: { description: "x" }, headers: { "if-match": "1" } });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.equal(patched.headers.get("etag"), '"2"');
    const weak = await http("POST", `/v1/campaigns/${id}:launch`, { body: {}, headers: { "if-match": 'W/"2"' } });
    assert.equal(weak.status, 400);
    assert.equal(weak.body.details.find((d: any) => d.fieldViolations)?.fieldViolations[0].field, "if-match");
  });

  it("names the Bearer scheme on every 401", async () => {
    const none = await http("GET", "/v1/campaigns", { auth: null });
    assert.deepEqual([none.status, none.headers.get("www-authenticate")], [401, 'Bearer realm="tally"']);
    const bad = await http("GET", "/v1/campaigns", { auth: "not-a-token" });
    assert.deepEqual([bad.status, bad.headers.get("www-authenticate")], [401, 'Bearer realm="tally", error="invalid_token"']);
  });

  it("deletes softly and undeletes over REST", async () => {
    const { id } = await newCampaign();
    const deleted = await http("DELETE", `/v1/campaigns/${id}`);
    assert.equal(deleted.status, 200);
    assert.ok(deleted.body.campaign.deleteTime);
    assert.ok((await http("GET", `/v1/campaigns/${id}`)).body.campaign.deleteTime, "GET still answers it, with deleteTime");
    const listed = await http("GET", `/v1/campaigns?show_deleted=true&filter=${encodeURIComponent(`name="${deleted.body.campaign.name}"`)}`);
    assert.deepEqual(
      listed.body.campaigns.map((c: any) => c.id),
      [id],
    );
    const restored = await http("POST", `/v1/campaigns/${id}:undelete`, { body: {}, headers: { "if-match": deleted.body.campaign.etag } });
    assert.equal(restored.status, 200, JSON.stringify(restored.body));
    assert.equal(restored.body.campaign.deleteTime, undefined);
    assert.equal(restored.headers.get("etag"), '"3"');
  });

  it("labels the live stream application/x-ndjson", async () => {
    const { id } = await newCampaign();
    await http("POST", `/v1/campaigns/${id}:launch`, { body: {} });
    const controller = new AbortController();
    const res = await fetch(`${envoy.url}/v1/campaigns/${id}/metrics:stream`, { headers: { authorization: `Bearer ${token}` }, signal: controller.signal });
    try {
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("content-type"), "application/x-ndjson");
      assert.deepEqual(grpcHeaders(res.headers), []);
    } finally {
      controller.abort();
    }
  });
});
