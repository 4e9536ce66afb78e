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

  it('takes a nested path variable out of a body: "campaign" request, puts the other fields in the query, and writes invalid UTF-8 as raw bytes', () => {
    const update = rpc("tally.campaign.v1.CampaignService/UpdateCampaign");
    assert.equal(update.http?.body, "campaign");
    const req = restRequest(contract, update, {
      json: { campaign: { id: `x${BAD_UTF8}`, description: `d${BAD_UTF8}` }, updateMask: "description" },
    })!;
    assert.equal(req.method, "PATCH");
    assert.equal(req.pathAndQuery, "/v1/campaigns/x%61%FF%FE%C3%28%A0%A1%E2%28%A1%80%62?updateMask=description");
    // The body is the campaign itself (AIP-134), without the id that travels in the path.
    assert.equal(req.body!.indexOf(BAD_UTF8_BYTES), Buffer.byteLength('{"description":"d'));
    assert.equal(req.body!.indexOf(BAD_UTF8), -1);
    assert.equal(req.body!.length, Buffer.byteLength('{"description":"d"}') + BAD_UTF8_BYTES.length);
  });

  it('sends a body: "campaign" create with the resource as the body and request_id in the query', () => {
    const req = restRequest(contract, rpc("tally.campaign.v1.CampaignService/CreateCampaign"), {
      json: { campaign: { name: "N", budgetMicros: "5" }, requestId: "r 1" },
    });
    assert.deepEqual(req, { method: "POST", pathAndQuery: "/v1/campaigns?requestId=r%201", body: Buffer.from('{"name":"N","budgetMicros":"5"}') });
  });

  it("keeps a wrong-JSON-type case only where its field travels in the body", () => {
    const create = rpc("tally.campaign.v1.CampaignService/CreateCampaign");
    const wrong = (path: (string | number)[], json: object) => restRequest(contract, create, { json: json as never }, path);
    assert.deepEqual(wrong(["campaign"], { campaign: "not-an-object", requestId: "r" })?.body, Buffer.from('"not-an-object"'));
    assert.equal(wrong(["campaign", "name"], { campaign: { name: 5 } })?.pathAndQuery, "/v1/campaigns");
    assert.equal(wrong(["requestId"], { campaign: {}, requestId: 5 }), null);
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
    apiKeys: { read: `read-key-${n}`, ingest: `ingest-key-${n}` },
    campaigns: { draft: `${n}-d`, active: `${n}-a`, paused: `${n}-p`, completed: `${n}-c`, cancelled: `${n}-x`, deleted: `${n}-del` },
    connection: { id: `${n}-conn`, accountId: "1" },
    fetchJobId: `${n}-job`,
    spare: { apiKeyId: `${n}-spare-key`, connectionId: `${n}-spare-conn` },
  });
  const fx = {
    victim: tenant("a"),
    attacker: tenant("b"),
    fuzz: tenant("f"),
    fuzzOf: {},
    badCredentials: {
      none: undefined,
      garbage: "garbage",
      "fake-api-key": "tly_x",
      "deleted-api-key": "tly_d",
      "alg-none": "x.y.",
      "wrong-key": "w",
      expired: "e",
    },
    pageToken: "cGFnZQ",
    foreignPageToken: "Zm9yZWlnbg",
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
    const create = cases.find((c) => c.rpc.name === "CreateCampaign" && c.transport === "rest" && c.phase === "control")!;
    assert.match(create.rest!.pathAndQuery, /^\/v1\/campaigns\?requestId=sweep-/);
    assert.equal(JSON.parse(create.rest!.body!.toString()).currencyCode, "USD");
  });

  it("asks each RPC for the credentials its policy names: roles, API key scopes, service credentials", () => {
    const { cases } = buildCases(contract, fx, grpc);
    const auth = (rpcName: string) =>
      Object.fromEntries(
        cases
          .filter((c) => c.rpc.name === rpcName && c.transport === "grpc" && c.phase !== "fuzz")
          .map((c) => [c.name, c.expect.kind === "code" ? c.expect.code : c.expect.kind]),
      );
    const bad = { "credential: none": "UNAUTHENTICATED", "credential: garbage": "UNAUTHENTICATED", "credential: fake-api-key": "UNAUTHENTICATED" };
    // Internal: every user token and key is refused; only a service credential gets through.
    assert.deepEqual(auth("VerifyApiKey"), {
      "control: valid request by a service": "control",
      ...bad,
      "credential: deleted-api-key": "UNAUTHENTICATED",
      "credential: alg-none": "UNAUTHENTICATED",
      "credential: wrong-key": "UNAUTHENTICATED",
      "credential: expired": "UNAUTHENTICATED",
      "credential: role VIEWER": "PERMISSION_DENIED",
      "credential: role EDITOR": "PERMISSION_DENIED",
      "credential: role OWNER": "PERMISSION_DENIED",
      "credential: API key with the read scope only": "PERMISSION_DENIED",
      "credential: API key with the ingest scope only": "PERMISSION_DENIED",
      "credential: another tenant's OWNER": "PERMISSION_DENIED",
    });
    const verify = cases.find((c) => c.rpc.name === "VerifyApiKey" && c.phase === "control")!;
    assert.equal(verify.token, "service-b");
    assert.equal(
      cases.filter((c) => c.rpc.name === "VerifyApiKey" && c.phase === "fuzz").every((c) => c.token === "service-f"),
      true,
    );
    // Connections: OWNER writes, EDITOR reads; no API key may manage them.
    const roles = (rpcName: string) => Object.entries(auth(rpcName)).filter(([k]) => /role|API key/.test(k));
    assert.deepEqual(roles("CreatePlatformConnection"), [
      ["credential: role VIEWER", "PERMISSION_DENIED"],
      ["credential: role EDITOR", "PERMISSION_DENIED"],
      ["credential: API key with the read scope only", "PERMISSION_DENIED"],
      ["credential: API key with the ingest scope only", "PERMISSION_DENIED"],
    ]);
    assert.deepEqual(roles("ListPlatformConnections").slice(0, 1), [["credential: role VIEWER", "PERMISSION_DENIED"]]);
    // A read key reads insights; an ingest key does not.
    assert.deepEqual(roles("GetCampaignSourceComparison"), [["credential: API key with the ingest scope only", "PERMISSION_DENIED"]]);
    assert.equal(auth("GetCampaignSourceComparison")["credential: another tenant's OWNER"], "NOT_FOUND");
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
  const unimplemented = { ...RPC_SPECS["tally.identity.v1.IdentityService/ListApiKeys"]!, unimplemented: true };
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
