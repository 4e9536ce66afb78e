/**
 * Every case of the sweep, per RPC and transport:
 *   control  — the valid request by an OWNER (tenant B; its service credential for an internal RPC)
 *              succeeds, so refusals below mean something;
 *   auth     — every credential kind on tenant A's valid request: none, garbage, an unknown and a
 *              deleted API key, an unsigned JWT, a JWT signed with another key, an expired one, each
 *              role below the RPC's, each of A's API keys whose scope the RPC does not admit, and
 *              tenant B's OWNER naming A's resources; an internal (SERVICE) RPC refuses every user
 *              token and API key;
 *   fuzz     — tenant F's valid request with one field made hostile (fuzz-values.ts), plus bytes no
 *              encoder makes and Envoy-level malformations (bad JSON, unknown query parameter,
 *              a body over Envoy's limit).
 */
import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import { randomBytes } from "node:crypto";
import type { Role, Scope } from "#common/auth.js";
import type { Contract, Rpc } from "./contract.js";
import type { Fixtures, Tenant } from "./fixtures.js";
import { mutationsOf } from "./fuzz-values.js";
import type { Expectation } from "./judge.js";
import { RPC_SPECS, type RpcSpec } from "./rpc-specs.js";
import { GrpcTransport } from "./grpc-transport.js";
import { restRequest, type RestRequest } from "./rest-transport.js";
import type { Transport, Wire } from "./transports.js";

export type Phase = "control" | "auth" | "fuzz";

export interface SweepCase {
  rpc: Rpc;
  spec: RpcSpec;
  phase: Phase;
  transport: Transport;
  name: string;
  token: string | undefined;
  /** What goes on the wire, already encoded for its transport. */
  grpcBytes?: Buffer;
  rest?: RestRequest;
  /** The request as JSON (absent for raw cases), for leftover checks. */
  json?: JsonObject;
  expect: Expectation;
  /** Ids the answer must not contain (another tenant's). */
  leakIds?: string[];
}

const ROLES: Role[] = ["VIEWER", "EDITOR", "OWNER"];
/** An Envoy-side limit is 16 MiB (envoy.yaml max_request_body_size). */
const OVERSIZED_BODY_BYTES = 17 * 1024 * 1024;

let counter = 0;
const run = randomBytes(3).toString("hex");
const unique = () => `${run}-${(counter++).toString(36)}`;

export interface BuiltCases {
  cases: SweepCase[];
  /** RPCs of the descriptor set without a spec, and specs naming no RPC: each fails the sweep. */
  problems: string[];
}

export function buildCases(contract: Contract, fx: Fixtures, grpc: GrpcTransport): BuiltCases {
  const cases: SweepCase[] = [];
  const problems: string[] = [];
  const ids = new Set(contract.rpcs.map((r) => r.id));
  for (const id of Object.keys(RPC_SPECS)) if (!ids.has(id)) problems.push(`rpc-specs.ts names ${id}, which the descriptor set does not have`);

  for (const rpc of contract.rpcs) {
    const spec = RPC_SPECS[rpc.id];
    if (!spec) {
      problems.push(`${rpc.id} has no entry in test/e2e/sweep/rpc-specs.ts, so the sweep has no cases for it`);
      continue;
    }
    // Each transport gets its own request (fresh names, emails, event ids): a twin accepted over
    // one transport must not make the other's refusal look like it left something behind.
    const add: Add = (phase, name, token, wire, expect, opts = {}) => {
      const leakIds = (w: Wire) => opts.leakIds?.filter((id) => !JSON.stringify(w.json ?? {}).includes(id));
      if (opts.only !== "rest" && !opts.bodyOnlyPath) {
        const w = wire();
        const bytes = grpc.encode(rpc, w);
        if (bytes) cases.push({ rpc, spec, phase, transport: "grpc", name, token, grpcBytes: bytes, json: w.json, expect, leakIds: leakIds(w) });
      }
      if (opts.only !== "grpc") {
        const w = wire();
        const rest = restRequest(contract, rpc, w, opts.bodyOnlyPath);
        if (rest) cases.push({ rpc, spec, phase, transport: "rest", name, token, rest, json: w.json, expect, leakIds: leakIds(w) });
      }
    };
    const before = cases.length;

    add(
      "control",
      `control: valid request by ${spec.minRole === "SERVICE" ? "a service" : "an OWNER"}`,
      callerToken(spec, fx.attacker),
      () => ({ json: spec.valid(fx.attacker, unique()) }),
      {
        kind: "control",
        mutates: spec.mutates,
      },
    );
    authCases(spec, fx, add);
    fuzzCases(rpc, spec, fx, contract, add);

    const swept = cases.slice(before);
    for (const t of ["grpc", ...(rpc.http ? ["rest"] : [])] as Transport[]) {
      for (const phase of ["auth", "fuzz"] as Phase[]) {
        if (!swept.some((c) => c.transport === t && c.phase === phase)) problems.push(`${rpc.id} has no ${phase} cases over ${t}`);
      }
    }
  }
  return { cases, problems };
}

type Add = (
  phase: Phase,
  name: string,
  token: string | undefined,
  wire: () => Wire,
  expect: Expectation,
  opts?: { bodyOnlyPath?: (string | number)[]; leakIds?: string[]; only?: Transport },
) => void;

/** Who sends a tenant's valid requests: its OWNER, or its service credential for an internal RPC. */
function callerToken(spec: RpcSpec, t: Tenant): string {
  return spec.minRole === "SERVICE" ? t.serviceToken : t.tokens.OWNER;
}

const SCOPES: Scope[] = ["read", "ingest"];

function authCases(spec: RpcSpec, fx: Fixtures, add: Add): void {
  const anyAnswer: Expectation = { kind: "no-server-error" };
  const denied: Expectation = { kind: "code", code: "PERMISSION_DENIED" };
  const victimRequest = () => ({ json: spec.valid(fx.victim, unique()) });
  // Public RPCs ignore the credential; Login by A's own email and password rightly names A.
  const v = fx.victim;
  const leakIds =
    spec.minRole === "PUBLIC" ? undefined : [v.tenantId, ...Object.values(v.campaigns), v.connection.id, v.fetchJobId, v.spare.apiKeyId, v.spare.connectionId];
  for (const [kind, credential] of Object.entries(fx.badCredentials)) {
    add("auth", `credential: ${kind}`, credential, victimRequest, spec.minRole === "PUBLIC" ? anyAnswer : { kind: "code", code: "UNAUTHENTICATED" });
  }
  for (const role of ROLES) {
    const low = spec.minRole === "SERVICE" || (spec.minRole !== "PUBLIC" && ROLES.indexOf(role) < ROLES.indexOf(spec.minRole));
    if (low || (spec.minRole === "PUBLIC" && role === "VIEWER")) {
      add("auth", `credential: role ${role}`, v.tokens[role], victimRequest, low ? denied : anyAnswer);
    }
  }
  // A's own API keys: a key whose scope the RPC does not admit is refused (one that it admits is
  // as good as a user of the RPC's role, which the control already shows).
  for (const scope of SCOPES) {
    if (spec.scope === scope) continue;
    add("auth", `credential: API key with the ${scope} scope only`, v.apiKeys[scope], victimRequest, spec.minRole === "PUBLIC" ? anyAnswer : denied);
  }
  const other: Expectation =
    spec.minRole === "SERVICE"
      ? denied
      : spec.otherTenant === "NOT_FOUND"
        ? { kind: "code", code: "NOT_FOUND" }
        : spec.otherTenant === "REJECTED_RECEIPTS"
          ? { kind: "receipts-refused" }
          : anyAnswer;
  add("auth", "credential: another tenant's OWNER", fx.attacker.tokens.OWNER, victimRequest, other, { leakIds });
}

/** The tenant an RPC's fuzz cases run in. */
export function fuzzTenant(fx: Fixtures, rpc: Rpc): Tenant {
  return fx.fuzzOf[rpc.id] ?? fx.fuzz;
}

function fuzzCases(rpc: Rpc, spec: RpcSpec, fx: Fixtures, contract: Contract, add: Add): void {
  const tenant = fuzzTenant(fx, rpc);
  const token = callerToken(spec, tenant);
  for (const m of mutationsOf(rpc.input, {
    pageToken: fx.pageToken,
    foreignPageToken: fx.foreignPageToken,
    behavior: contract.behavior,
    inputPaths: spec.inputPaths,
  })) {
    const mutated = () => {
      const json = spec.valid(tenant, unique());
      setPath(json, m.path, typeof m.value === "function" ? m.value(getPath(json, m.path)) : m.value);
      spec.focus?.(json, m.path.map(String));
      return { json };
    };
    add("fuzz", `${m.path.join(".")} = ${m.label}`, token, mutated, m.mustRefuse ? { kind: "refused" } : { kind: "no-server-error" }, {
      bodyOnlyPath: m.bodyOnly ? m.path : undefined,
    });
  }
  // A length-delimited field 1 whose length runs past the end: no encoder produces this.
  add(
    "fuzz",
    "undecodable protobuf bytes",
    token,
    () => ({ rawGrpc: Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x07, 0x61]) }),
    { kind: "refused" },
    { only: "grpc" },
  );
  // Field 1 with the wrong wire type (varint): decoders skip or refuse it; nothing may break.
  add("fuzz", "wrong wire type for field 1", token, () => ({ rawGrpc: Buffer.from([0x08, 0x01]) }), { kind: "no-server-error" }, { only: "grpc" });

  const base = restRequest(contract, rpc, { json: spec.valid(tenant, unique()) });
  if (!base) return;
  const path = base.pathAndQuery.split("?")[0]!;
  if (rpc.http?.body) {
    add(
      "fuzz",
      "malformed JSON body",
      token,
      () => ({ rawRest: { pathAndQuery: path, body: Buffer.from('{"oops": [1, 2') } }),
      { kind: "refused" },
      { only: "rest" },
    );
  } else {
    const sep = base.pathAndQuery.includes("?") ? "&" : "?";
    add(
      "fuzz",
      "unknown query parameter",
      token,
      () => ({ rawRest: { pathAndQuery: `${base.pathAndQuery}${sep}no_such_param=1` } }),
      { kind: "refused" },
      { only: "rest" },
    );
  }
  if (rpc.id === "tally.ingestion.v1.IngestionService/IngestEvents") {
    // One event whose id is 17 MB long: a body Envoy must buffer whole to transcode.
    const body = Buffer.alloc(OVERSIZED_BODY_BYTES, 0x78);
    Buffer.from('{"events":[{"eventId":"').copy(body, 0);
    Buffer.from('"}]}').copy(body, body.length - 4);
    add(
      "fuzz",
      "17 MB body (over the edge's 16 MiB limit)",
      token,
      () => ({ rawRest: { pathAndQuery: path, body } }),
      { kind: "http", http: 413 },
      { only: "rest" },
    );
  }
}

function getPath(obj: JsonObject, path: (string | number)[]): JsonValue | undefined {
  let cur: any = obj;
  for (const key of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = cur[key];
  }
  return cur as JsonValue | undefined;
}

function setPath(obj: JsonObject, path: (string | number)[], value: JsonValue): void {
  let cur: any = obj;
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i]!;
    if (cur[key] === undefined || cur[key] === null || typeof cur[key] !== "object") cur[key] = typeof path[i + 1] === "number" ? [] : {};
    cur = cur[key];
  }
  cur[path.at(-1)!] = value;
}
