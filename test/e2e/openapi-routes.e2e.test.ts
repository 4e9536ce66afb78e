/**
 * The OpenAPI route sweep: every operation of the committed document (openapi/tally.openapi.json)
 * is called through Envoy with a minimal valid request built from its schemas, and with invalid
 * ones (no credentials, an unknown query parameter, an unknown id, a malformed or empty body).
 * Each answer must have the exact status expected AND one the operation declares, and its body
 * must validate strictly against the documented schema (camelCase names, int64 strings, enum names,
 * the JSON error shape). Nothing names a route: when proto/ changes, `npm run gen` rewrites the
 * document and the sweep follows; the first test fails when the document does not cover proto/.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { before, describe, it } from "node:test";
import { createFileRegistry, fromBinary, getOption, type DescExtension } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { stack, uniqueName } from "../support/stack.js";
import { declaredStatuses, doc, operations, resolve, sample, validate, type Operation, type SampleContext } from "./openapi-doc.js";

/**
 * Methods that answer UNIMPLEMENTED (501) today: their valid request must get exactly that until
 * they are built, and then this test fails until the entry is removed. Empty today.
 */
const NOT_IMPLEMENTED_YET = new Set<string>([]);

/**
 * Lifecycle: a custom method (`…:verb`) that needs others applied first to a fresh resource
 * (another custom verb, or DELETE of the resource itself). The only per-method knowledge in the
 * sweep — the state machine is not in the document.
 */
const PREREQUISITES: Record<string, string[]> = { pause: ["launch"], resume: ["launch", "pause"], complete: ["launch"], undelete: ["DELETE"] };

/**
 * Collections without a POST of their own: the operation whose answer carries a new member's id.
 * (A fetch job is the answer of :fetchPlatformData, AIP-151 style.)
 */
const CREATED_BY: Record<string, string> = { "/v1/platformFetchJobs": "POST /v1/campaigns/{campaignId}:fetchPlatformData" };

/**
 * What a schema's minimal sample (required fields only) cannot know from the document, by schema
 * name: a rule across optional fields (credentials need an access_token or a refresh_token), a
 * uniqueness (one connection per ad account), a link another method needs (:fetchPlatformData
 * refuses a campaign without platform_links, so every sample campaign is linked).
 */
const SAMPLE_FIELDS: Record<string, (ctx: SampleContext) => Record<string, unknown>> = {
  PlatformCredentials: () => ({ accessToken: "sweep-not-a-real-token" }),
  PlatformConnection: (ctx) => ({ accountId: ctx.unique() }),
  Campaign: () => ({ platformLinks: [{ platform: "meta", externalCampaignIds: ["sweep-external-1"] }] }),
};

const ops = operations();
const restOps = ops.filter((o) => o.grpcMethod);

interface Answer {
  status: number;
  contentType: string;
  body: any;
  text: string;
}

async function call(
  o: Operation,
  opts: { pathValues?: Record<string, string>; query?: string; body?: unknown; rawBody?: string; token?: string | null } = {},
): Promise<Answer> {
  let path = o.path;
  for (const p of o.pathParams) path = path.replace(`{${p.name}}`, encodeURIComponent(opts.pathValues?.[p.name] ?? randomUUID()));
  const url = `${stack.envoyUrl}${path}${opts.query ? `?${opts.query}` : ""}`;
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  const body = opts.rawBody ?? (opts.body === undefined ? (o.bodySchema ? "{}" : undefined) : JSON.stringify(opts.body));
  const controller = new AbortController();
  const res = await fetch(url, { method: o.method, headers, body, signal: controller.signal });
  const contentType = res.headers.get("content-type") ?? "";
  let text: string;
  if (o.op["x-stream"] && res.status === 200) {
    // A live stream never ends: read its first line, then hang up.
    const reader = res.body!.getReader();
    const timer = setTimeout(() => controller.abort(), 10_000);
    text = "";
    try {
      while (!text.includes("\n")) {
        const { value, done } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
    } finally {
      clearTimeout(timer);
      controller.abort();
    }
    text = text.split("\n")[0]!;
  } else {
    text = await res.text();
  }
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, contentType, body: parsed, text };
}

const show = (a: Answer) => `${a.status} ${a.text.slice(0, 400)}`;

/** The answer has the expected status, the operation declares it, and the body is as documented. */
function assertAnswer(o: Operation, a: Answer, expected: number): void {
  assert.equal(a.status, expected, `${o.method} ${o.path}: ${show(a)}`);
  if (expected === 501) return; // undeclared on purpose: see NOT_IMPLEMENTED_YET
  assert.ok(declaredStatuses(o.op).has(a.status), `${o.method} ${o.path} answered ${a.status}, which the document does not declare`);
  const response = resolve(o.op.responses[String(a.status)]);
  const media = Object.keys(response.content ?? {})[0]!;
  assert.ok(a.contentType.startsWith(media), `${o.method} ${o.path}: content-type ${a.contentType}, documented ${media}`);
  assert.notEqual(a.body, undefined, `${o.method} ${o.path}: not JSON: ${show(a)}`);
  const problems = validate(a.body, response.content[media].schema);
  assert.deepEqual(problems, [], `${o.method} ${o.path} answered ${a.status} with a body the document does not describe: ${show(a)}`);
  if (a.status >= 400) {
    const info = a.body.details.find((d: any) => d["@type"] === "type.googleapis.com/google.rpc.ErrorInfo");
    assert.ok(info?.reason, `${o.method} ${o.path}: no ErrorInfo reason: ${show(a)}`);
    assert.equal(info.domain, "tally.dev");
  }
}

/** The first object in an answer that carries an `id` (the resource a create returned). */
function createdId(body: any): string | undefined {
  if (body && typeof body === "object") {
    if (typeof body.id === "string" && body.id) return body.id;
    for (const v of Object.values(body)) {
      const id = createdId(v);
      if (id) return id;
    }
  }
  return undefined;
}

describe("OpenAPI route sweep through Envoy", () => {
  const owner = { email: `${uniqueName("sweep")}@example.com`, password: "sweep password 123", token: "" };
  let activeCampaignId = "";
  let cases = 0;
  const ctx: SampleContext = {
    unique: () => uniqueName("s"),
    idFor: (field) => (/^campaignIds?$/.test(field) ? activeCampaignId : undefined),
    fieldsFor: (name) => SAMPLE_FIELDS[name]?.(ctx),
  };
  const byVerb = (path: string, verb: string) => restOps.find((o) => o.method === "POST" && o.path === path.replace(/:[A-Za-z]+$/, `:${verb}`));

  /** A valid body for an operation, with its path values. */
  function validBody(o: Operation, pathValues: Record<string, string>): unknown {
    if (!o.bodySchema) return undefined;
    const body = sample(o.bodySchema, "body", ctx) as Record<string, unknown>;
    // Login: the owner's own credentials, not a fresh address.
    if (/login/i.test(o.path) && "email" in body) Object.assign(body, { email: owner.email, password: owner.password });
    for (const [name, value] of Object.entries(pathValues)) if (!name.includes(".") && name in body) body[name] = value;
    return body;
  }

  function requiredQuery(o: Operation): string {
    const q = new URLSearchParams();
    for (const p of o.queryParams.filter((p) => p.required)) q.set(p.name, String(sample(p.schema, p.name, ctx)));
    return q.toString();
  }

  /**
   * Path values for a valid call: each path parameter names a resource of the collection it follows
   * (`/v1/campaigns/{id}` → campaigns), created fresh through the collection's own POST operation
   * (or the one CREATED_BY names), then brought into the state the method needs.
   */
  async function validPathValues(o: Operation): Promise<Record<string, string>> {
    const values: Record<string, string> = {};
    for (const p of o.pathParams) {
      const collection = o.path.slice(0, o.path.indexOf(`/{${p.name}}`));
      const creator = CREATED_BY[collection] ?? `POST ${collection}`;
      const create = restOps.find((c) => `${c.method} ${c.path}` === creator);
      assert.ok(create, `${o.method} ${o.path}: no ${creator} to create a ${p.name}`);
      if (NOT_IMPLEMENTED_YET.has(create.id)) {
        values[p.name] = randomUUID();
        continue;
      }
      const createValues = await validPathValues(create);
      const made = await call(create, { pathValues: createValues, body: validBody(create, createValues), query: requiredQuery(create), token: owner.token });
      assert.equal(made.status, 200, `creating a ${p.name} for ${o.path}: ${show(made)}`);
      values[p.name] = createdId(made.body)!;
      const verb = /:([A-Za-z]+)$/.exec(o.path)?.[1];
      for (const step of PREREQUISITES[verb ?? ""] ?? []) {
        const pre = step === "DELETE" ? restOps.find((c) => c.method === "DELETE" && c.path === o.path.replace(/:[A-Za-z]+$/, "")) : byVerb(o.path, step);
        assert.ok(pre, `${o.path}: prerequisite ${step} not in the document`);
        const r = await call(pre, { pathValues: values, body: step === "DELETE" ? undefined : {}, token: owner.token });
        assert.equal(r.status, 200, `${pre.path} before ${o.path}: ${show(r)}`);
      }
    }
    return values;
  }

  before(async () => {
    const register = restOps.find((o) => o.op.security?.length === 0 && /register/i.test(o.path));
    assert.ok(register, "no public register operation in the document");
    const r = await call(register, { body: { email: owner.email, password: owner.password, organizationName: "Sweep Org" } });
    assert.equal(r.status, 200, show(r));
    owner.token = r.body.accessToken;
    const createCampaign = restOps.find((o) => o.method === "POST" && o.path === "/v1/campaigns");
    assert.ok(createCampaign);
    const made = await call(createCampaign, { body: validBody(createCampaign, {}), query: requiredQuery(createCampaign), token: owner.token });
    assert.equal(made.status, 200, show(made));
    activeCampaignId = createdId(made.body)!;
    const launch = byVerb("/v1/campaigns/{id}:launch", "launch")!;
    const launched = await call(launch, { pathValues: { id: activeCampaignId }, body: {}, token: owner.token });
    assert.equal(launched.status, 200, show(launched));
  });

  it("the document has an operation for every HTTP-bound method of proto/ (envoy/tally.binpb)", () => {
    const registry = createFileRegistry(fromBinary(FileDescriptorSetSchema, readFileSync(new URL("../../envoy/tally.binpb", import.meta.url))));
    const http = registry.getExtension("google.api.http") as DescExtension;
    const bound: string[] = [];
    for (const file of registry.files) {
      if (!file.proto.package.startsWith("tally.")) continue;
      for (const s of file.services)
        for (const m of s.methods)
          if ((getOption(m, http as any) as { pattern?: { case?: string } } | undefined)?.pattern?.case) bound.push(`/${s.typeName}/${m.name}`);
    }
    assert.ok(bound.length > 10, `only ${bound.length} bound methods found`);
    assert.deepEqual(restOps.map((o) => o.grpcMethod).sort(), bound.sort());
  });

  it("GET /openapi.json serves the committed document", async () => {
    const res = await fetch(`${stack.envoyUrl}/openapi.json`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/json");
    assert.deepEqual(await res.json(), doc);
    cases++;
  });

  for (const o of restOps) {
    describe(`${o.method} ${o.path}`, () => {
      it("a valid request gets 200 with the documented body", async () => {
        const pathValues = await validPathValues(o);
        const a = await call(o, { pathValues, body: validBody(o, pathValues), query: requiredQuery(o), token: owner.token });
        cases++;
        if (NOT_IMPLEMENTED_YET.has(o.id)) {
          assert.equal(a.status, 501, `${o.id} is implemented now: remove it from NOT_IMPLEMENTED_YET (${show(a)})`);
          return;
        }
        assertAnswer(o, a, 200);
      });

      if (o.secured) {
        it("no credentials gets 401", async () => {
          const a = await call(o, { body: o.bodySchema ? {} : undefined });
          cases++;
          assertAnswer(o, a, 401);
        });
      }

      it("an unknown query parameter gets 400", async () => {
        const a = await call(o, { query: "notAField=1", token: owner.token });
        cases++;
        assertAnswer(o, a, 400);
        assert.match(a.body.message, /notAField/);
      });

      if (o.pathParams.length > 0) {
        it("an unknown id gets 404", async () => {
          // Everything valid but the id.
          const pathValues = Object.fromEntries(o.pathParams.map((p) => [p.name, randomUUID()]));
          const a = await call(o, { pathValues, body: validBody(o, pathValues), query: requiredQuery(o), token: owner.token });
          cases++;
          assertAnswer(o, a, NOT_IMPLEMENTED_YET.has(o.id) ? 501 : 404);
        });
      }

      if (o.bodySchema) {
        it("a malformed JSON body gets 400", async () => {
          const a = await call(o, { rawBody: '{"', token: owner.token });
          cases++;
          assertAnswer(o, a, 400);
        });

        const required = (resolve(o.bodySchema).required ?? []).filter((f: string) => !o.pathParams.some((p) => p.name === f));
        if (required.length > 0) {
          it(`an empty body gets 400 naming ${required.join(", ")}`, async () => {
            const pathValues = NOT_IMPLEMENTED_YET.has(o.id) ? {} : await validPathValues(o);
            const a = await call(o, { pathValues, body: {}, query: requiredQuery(o), token: owner.token });
            cases++;
            if (NOT_IMPLEMENTED_YET.has(o.id)) return assertAnswer(o, a, 501);
            assertAnswer(o, a, 400);
            const bad = a.body.details.find((d: any) => d["@type"] === "type.googleapis.com/google.rpc.BadRequest");
            assert.ok(bad, `no BadRequest: ${show(a)}`);
            // Each violation names a field of the request (a body property or a parameter; when the
            // body is one field of the request, e.g. `campaign`, violations start with its name); at
            // least one is a missing required one.
            const toJson = (f: string) => f.replace(/_([a-z])/g, (_: string, c: string) => c.toUpperCase());
            const known = [...Object.keys(resolve(o.bodySchema).properties ?? {}), ...o.queryParams.map((p) => p.name), ...o.pathParams.map((p) => p.name)];
            const roots = bad.fieldViolations.map((v: any) => {
              const parts = String(v.field).split(/[.[]/).map(toJson);
              return known.includes(parts[0]!) || parts.length === 1 ? parts[0]! : parts[1]!;
            });
            for (const r of roots) assert.ok(known.includes(r), `violation names ${r}, not a field of the request (${known.join(", ")})`);
            assert.ok(
              roots.some((r: string) => required.includes(r)),
              `none of ${required.join(", ")} named: ${show(a)}`,
            );
          });
        }
      }
    });
  }

  it("swept every documented operation", () => {
    // Counted at the end (node:test runs this file's tests in order): valid + invalid cases.
    console.log(`# openapi sweep: ${restOps.length} operations, ${cases} cases`);
    assert.ok(cases >= restOps.length * 2, `${cases} cases for ${restOps.length} operations`);
  });
});
