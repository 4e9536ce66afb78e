/** The sweep's pure parts, without the stack: descriptor reading, REST mapping, hostile values. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { loadContract } from "./contract.js";
import { BAD_UTF8, BAD_UTF8_BYTES, mutationsOf } from "./fuzz-values.js";
import type { Fixtures, Tenant } from "./fixtures.js";
import { GrpcTransport } from "./grpc-transport.js";
import { restRequest } from "./rest-transport.js";
import { RPC_SPECS } from "./rpc-specs.js";
import { buildCases } from "./sweep-cases.js";
import { judge, type Expectation } from "./judge.js";
import type { Outcome } from "./transports.js";

const contract = loadContract();
const rpc = (id: string) => contract.rpcs.find((r) => r.id === id)!;

describe("sweep contract", () => {
  it("reads every tally RPC with its HTTP binding from envoy/tally.binpb", () => {
    const insights = rpc("tally.analytics.v1.AnalyticsService/GetCampaignInsights");
    assert.deepEqual(insights.http, { verb: "get", template: "/v1/campaigns/{campaign_id}/insights", body: "" });
    assert.equal(rpc("tally.ingestion.v1.IngestionService/StreamEvents").http, null);
    assert.equal(rpc("tally.ingestion.v1.IngestionService/StreamEvents").kind, "client_streaming");
    const name = contract.registry.getMessage("tally.campaign.v1.Campaign")!.fields.find((f) => f.name === "id")!;
    assert.deepEqual(contract.behavior(name), ["OUTPUT_ONLY"]);
  });
});

describe("restRequest", () => {
  it("puts path variables in the path and the rest in the query, repeating repeated fields", () => {
    const req = restRequest(contract, rpc("tally.analytics.v1.AnalyticsService/GetCampaignInsights"), {
      json: { campaignId: "c 1", platforms: ["meta", "google"], granularity: "GRANULARITY_DAY" },
    });
    assert.deepEqual(req, { method: "GET", pathAndQuery: "/v1/campaigns/c%201/insights?platforms=meta&platforms=google&granularity=GRANULARITY_DAY" });
  });

  it('takes a nested path variable out of a body: "*" request, and writes invalid UTF-8 as raw bytes', () => {
    const req = restRequest(contract, rpc("tally.campaign.v1.CampaignService/UpdateCampaign"), {
      json: { campaign: { id: `x${BAD_UTF8}`, description: `d${BAD_UTF8}` }, updateMask: "description" },
    })!;
    assert.equal(req.method, "PATCH");
    assert.equal(req.pathAndQuery, "/v1/campaigns/x%61%FF%FE%C3%28%A0%A1%E2%28%A1%80%62");
    assert.equal(req.body!.indexOf(BAD_UTF8_BYTES), Buffer.byteLength('{"campaign":{"description":"d'));
    assert.equal(req.body!.indexOf(BAD_UTF8), -1);
    assert.ok(!req.body!.toString("latin1").includes('"id"'), "the id travels in the path only");
  });

  it("skips a wrong-JSON-type case where its field travels in the URL", () => {
    const get = rpc("tally.campaign.v1.CampaignService/GetCampaign");
    assert.equal(restRequest(contract, get, { json: { id: 12345 } }, ["id"]), null);
  });
});

describe("mutationsOf", () => {
  it("keeps a value's format and makes one part hostile", () => {
    const login = rpc("tally.identity.v1.IdentityService/Login");
    const nul = mutationsOf(login.input, { pageToken: "", foreignPageToken: "", behavior: contract.behavior }).find(
      (m) => m.path.join(".") === "email" && m.label === "NUL byte",
    )!;
    assert.equal(typeof nul.value === "function" ? nul.value("me@example.com") : nul.value, "me@example.c\u0000om");
    assert.equal(nul.mustRefuse, true);
  });

  it("expects refusals only where the field is input: OUTPUT_ONLY fields merely must not break anything", () => {
    const create = rpc("tally.campaign.v1.CampaignService/CreateCampaign");
    const all = mutationsOf(create.input, { pageToken: "", foreignPageToken: "", behavior: contract.behavior });
    const year9999 = (path: string) => all.find((m) => m.path.join(".") === path && m.label === "year 9999")!.mustRefuse;
    assert.equal(year9999("campaign.endTime"), true);
    assert.equal(year9999("campaign.createTime"), false);
  });
});

describe("buildCases", () => {
  const tenant = (n: string): Tenant => ({
    tenantId: `t-${n}`,
    ownerId: `u-${n}`,
    ownerEmail: `${n}@example.com`,
    password: "pw",
    tokens: { OWNER: `owner-${n}`, EDITOR: `editor-${n}`, VIEWER: `viewer-${n}` },
    serviceToken: `service-${n}`,
    campaigns: { draft: `${n}-d`, active: `${n}-a`, paused: `${n}-p`, completed: `${n}-c`, cancelled: `${n}-x`, deleted: `${n}-del` },
  });
  const fx = {
    victim: tenant("a"),
    attacker: tenant("b"),
    fuzz: tenant("f"),
    fuzzOf: {},
    badCredentials: { none: undefined, garbage: "garbage", "fake-api-key": "tk_x", "alg-none": "x.y.", "wrong-key": "w", expired: "e" },
    pageToken: "cGFnZQ",
    foreignPageToken: "Zm9yZWlnbg",
    campaignClient: undefined as never,
    close() {},
  } satisfies Fixtures;
  const grpc = new GrpcTransport(contract, () => "127.0.0.1:1");

  it("sweeps every RPC over gRPC, and over REST where it has a binding, in the auth and fuzz phases", () => {
    const { cases, problems } = buildCases(contract, fx, grpc);
    assert.deepEqual(problems, []);
    for (const r of contract.rpcs) {
      assert.ok(
        cases.some((c) => c.rpc.id === r.id && c.transport === "grpc" && c.phase === "auth"),
        r.id,
      );
      assert.equal(
        cases.some((c) => c.rpc.id === r.id && c.transport === "rest"),
        r.http !== null,
        r.id,
      );
    }
    const expired = cases.find((c) => c.rpc.name === "GetCampaign" && c.transport === "rest" && c.name === "credential: expired")!;
    assert.deepEqual([expired.token, expired.rest?.pathAndQuery, expired.expect], ["e", "/v1/campaigns/a-a", { kind: "code", code: "UNAUTHENTICATED" }]);
  });

  it("sends an internal RPC's valid requests with a service credential and expects every user refused", () => {
    const spend = buildCases(contract, fx, grpc).cases.filter((c) => c.rpc.id === "tally.analytics.v1.CampaignSpendService/GetCampaignSpend");
    assert.deepEqual(
      spend.filter((c) => c.phase === "control").map((c) => [c.transport, c.token]),
      [["grpc", "service-b"]],
    );
    assert.deepEqual(
      spend.filter((c) => c.name.startsWith("credential: role")).map((c) => [c.name, c.expect]),
      ["VIEWER", "EDITOR", "OWNER"].map((r) => [`credential: role ${r}`, { kind: "code", code: "PERMISSION_DENIED" }]),
    );
    assert.ok(spend.filter((c) => c.phase === "fuzz").every((c) => c.token === "service-f"));
  });

  it("fails the sweep for an RPC without a spec", () => {
    const id = "tally.campaign.v1.CampaignService/GetCampaign";
    const spec = RPC_SPECS[id]!;
    delete RPC_SPECS[id];
    try {
      assert.deepEqual(buildCases(contract, fx, grpc).problems, [`${id} has no entry in test/e2e/sweep/rpc-specs.ts, so the sweep has no cases for it`]);
    } finally {
      RPC_SPECS[id] = spec;
    }
  });
});

describe("judge", () => {
  const spec = RPC_SPECS["tally.ingestion.v1.IngestionService/IngestEvents"]!;
  const unimplemented = RPC_SPECS["tally.identity.v1.IdentityService/ListApiKeys"]!;
  const grpc = (code: string, body?: object): Outcome => ({ transport: "grpc", code, body: body as never });
  const rest = (http: number, code?: string, formProblem?: string): Outcome => ({ transport: "rest", http, code, formProblem });
  const refused: Expectation = { kind: "refused" };
  const unauthenticated: Expectation = { kind: "code", code: "UNAUTHENTICATED" };
  const cases: [string, Expectation, Outcome, typeof spec, string][] = [
    ["a refusal by status", refused, grpc("INVALID_ARGUMENT"), spec, "expected"],
    ["a refusal in the receipts", refused, grpc("OK", { receipts: [{ status: "RECEIPT_STATUS_REJECTED" }] }), spec, "expected"],
    ["accepted where refused", refused, grpc("OK", { receipts: [{ status: "RECEIPT_STATUS_ACCEPTED" }] }), spec, "unexpected"],
    ["INTERNAL", { kind: "no-server-error" }, grpc("INTERNAL"), spec, "unexpected"],
    ["UNAVAILABLE where any answer would do", { kind: "no-server-error" }, grpc("UNAVAILABLE"), spec, "tolerated"],
    ["UNAVAILABLE where a refusal is due", refused, grpc("UNAVAILABLE"), spec, "unexpected"],
    ["HTTP 401 for UNAUTHENTICATED", unauthenticated, rest(401, "UNAUTHENTICATED"), spec, "expected"],
    ["HTTP 403 for UNAUTHENTICATED", unauthenticated, rest(403, "PERMISSION_DENIED"), spec, "unexpected"],
    ["a text/plain edge error", refused, rest(400, undefined, "error body is not Tally's JSON error shape"), spec, "unexpected"],
    ["HTTP 502", { kind: "no-server-error" }, rest(502), spec, "unexpected"],
    ["501 from a documented unimplemented RPC", { kind: "code", code: "PERMISSION_DENIED" }, rest(501, "UNIMPLEMENTED"), unimplemented, "expected"],
    ["501 before authentication", unauthenticated, rest(501, "UNIMPLEMENTED"), unimplemented, "unexpected"],
    ["501 from an implemented RPC", refused, rest(501, "UNIMPLEMENTED"), spec, "unexpected"],
  ];
  for (const [what, expect, outcome, s, verdict] of cases) {
    it(`${what}: ${verdict}`, () => assert.equal(judge(expect, outcome, s).kind, verdict));
  }

  it("finds another tenant's ids in an answer", () => {
    assert.equal(judge({ kind: "no-server-error" }, grpc("OK", { campaigns: [{ id: "a-1" }] }), spec, ["a-1"]).kind, "unexpected");
  });
});
