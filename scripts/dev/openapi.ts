/**
 * Second half of the OpenAPI pipeline (scripts/dev/gen.sh): takes what gnostic's protoc-gen-openapi
 * derived from the google.api.http annotations and adds what only the edge knows, reading the same
 * descriptor set Envoy transcodes with — nothing here names a route:
 *   - int64 fields and parameters are strings in JSON (proto3 JSON mapping): `format: int64`;
 *   - server-streaming methods answer newline-delimited JSON (print_options.stream_newline_delimited);
 *   - the bearer security scheme (JWT or API key), and no security on the public methods;
 *   - the error responses each operation can give, all in the one JSON error shape
 *     (google.rpc.Status with ErrorInfo / BadRequest / RetryInfo details) that convert_grpc_status
 *     and envoy/local-reply.lua produce, with Retry-After on 429;
 *   - GET /openapi.json itself.
 *
 *   node --import tsx scripts/dev/openapi.ts GNOSTIC_JSON DESCRIPTOR_SET OUT_JSON
 */
import { readFileSync, writeFileSync } from "node:fs";
import { createFileRegistry, fromBinary, getOption, ScalarType, type DescField, type DescMessage, type DescMethod } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";

type Json = any;

/**
 * Methods anyone may call: the services wire them with the PUBLIC policy (services/common/src/auth.ts);
 * every other method needs `authorization: Bearer …`. The route sweep (test/e2e/openapi-routes) calls
 * every operation without credentials, so a wrong entry here fails it.
 */
export const PUBLIC_METHODS: ReadonlySet<string> = new Set(["tally.identity.v1.IdentityService.Register", "tally.identity.v1.IdentityService.Login"]);

/** What an error status means at this edge; the codes are Envoy's gRPC → HTTP mapping. */
const ERRORS = {
  "400": "INVALID_ARGUMENT (bad input: google.rpc.BadRequest names every bad field) or FAILED_PRECONDITION (illegal state transition).",
  "401": "UNAUTHENTICATED: no, malformed, expired or revoked credential.",
  "403": "PERMISSION_DENIED: the credential's role or API key scope is too low.",
  "404": "NOT_FOUND: no such resource in the caller's organization, or no such route.",
  "409": "ALREADY_EXISTS (a unique name or email is taken) or ABORTED (the etag is stale).",
  "413": "The request body is larger than 4 MiB.",
  "429": "RESOURCE_EXHAUSTED: the credential's rate limit; retry after Retry-After seconds (also google.rpc.RetryInfo).",
  "503": "UNAVAILABLE: a service is down or restarting; retry with backoff.",
} as const;
type ErrorStatus = keyof typeof ERRORS;

/** google.api.FieldBehavior.REQUIRED */
const REQUIRED = 2;

const INT64_TYPES = new Set([ScalarType.INT64, ScalarType.SINT64, ScalarType.SFIXED64]);
const UINT64_TYPES = new Set([ScalarType.UINT64, ScalarType.FIXED64]);

function int64Format(field: DescField): string | undefined {
  const scalar = field.fieldKind === "scalar" || field.fieldKind === "list" ? field.scalar : field.fieldKind === "map" ? field.scalar : undefined;
  if (field.fieldKind === "map" && field.mapKind !== "scalar") return undefined;
  if (scalar === undefined) return undefined;
  if (INT64_TYPES.has(scalar)) return "int64";
  if (UINT64_TYPES.has(scalar)) return "uint64";
  return undefined;
}

/** Marks an int64 schema (or the items / values of one) as a decimal string. */
function markInt64(schema: Json, format: string): void {
  const target = schema.type === "array" ? schema.items : schema.type === "object" && schema.additionalProperties ? schema.additionalProperties : schema;
  target.type = "string";
  target.format = format;
  target.pattern = format === "int64" ? "^-?[0-9]+$" : "^[0-9]+$";
}

/** The field at a dotted JSON path (`campaign.id`) of a message, or undefined. */
function fieldAt(message: DescMessage, path: string): DescField | undefined {
  let m: DescMessage | undefined = message;
  let found: DescField | undefined;
  for (const part of path.split(".")) {
    found = m?.fields.find((f) => f.jsonName === part || f.name === part);
    if (!found) return undefined;
    m = found.fieldKind === "message" ? found.message : undefined;
  }
  return found;
}

function errorResponses(): Json {
  const out: Json = {};
  for (const [status, description] of Object.entries(ERRORS)) {
    const response: Json = { description, content: { "application/json": { schema: { $ref: "#/components/schemas/Status" } } } };
    if (status === "429") response.headers = { "Retry-After": { description: "Seconds to wait before retrying.", schema: { type: "integer" } } };
    out[`Error${status}`] = response;
  }
  out.ErrorDefault = {
    description: "Any other error (504 when a service does not answer in time, 501 for a method not implemented yet), in the same shape.",
    content: { "application/json": { schema: { $ref: "#/components/schemas/Status" } } },
  };
  return out;
}

/** google.rpc.Status as the edge prints it, with the detail types Tally sends. */
function statusSchemas(): Json {
  return {
    Status: {
      type: "object",
      required: ["code", "message", "details"],
      properties: {
        code: { type: "integer", format: "int32", description: "The google.rpc.Code (3 INVALID_ARGUMENT, 5 NOT_FOUND, 16 UNAUTHENTICATED, …)." },
        message: { type: "string", description: "A developer-facing explanation, at most a short prefix of any bad value." },
        details: {
          type: "array",
          description: "Always an ErrorInfo (stable `reason`, domain `tally.dev`); BadRequest for bad input; RetryInfo on 429.",
          items: {
            oneOf: [{ $ref: "#/components/schemas/ErrorInfo" }, { $ref: "#/components/schemas/BadRequest" }, { $ref: "#/components/schemas/RetryInfo" }],
          },
        },
      },
      description: "The error body of every non-2xx answer, from a service (convert_grpc_status) or from Envoy itself (local replies).",
    },
    ErrorInfo: {
      type: "object",
      required: ["@type", "reason", "domain"],
      properties: {
        "@type": { type: "string", enum: ["type.googleapis.com/google.rpc.ErrorInfo"] },
        reason: { type: "string", description: "Stable, UPPER_SNAKE_CASE (e.g. CAMPAIGN_NOT_FOUND, INVALID_ARGUMENT, ROUTE_NOT_FOUND)." },
        domain: { type: "string", enum: ["tally.dev"] },
        metadata: { type: "object", additionalProperties: { type: "string" } },
      },
    },
    BadRequest: {
      type: "object",
      required: ["@type", "fieldViolations"],
      properties: {
        "@type": { type: "string", enum: ["type.googleapis.com/google.rpc.BadRequest"] },
        fieldViolations: {
          type: "array",
          items: {
            type: "object",
            required: ["field", "description"],
            properties: { field: { type: "string" }, description: { type: "string" }, reason: { type: "string" }, localizedMessage: { type: "object" } },
          },
        },
      },
    },
    RetryInfo: {
      type: "object",
      required: ["@type", "retryDelay"],
      properties: {
        "@type": { type: "string", enum: ["type.googleapis.com/google.rpc.RetryInfo"] },
        retryDelay: { type: "string", description: "e.g. `1.500s`" },
      },
    },
  };
}

export function finishDocument(raw: Json, descriptorSet: Uint8Array): Json {
  const registry = createFileRegistry(fromBinary(FileDescriptorSetSchema, descriptorSet));
  const fieldBehavior = registry.getExtension("google.api.field_behavior");
  const isRequired = (field: DescField) =>
    fieldBehavior !== undefined && ((getOption(field, fieldBehavior as any) as number[] | undefined) ?? []).includes(REQUIRED);
  const doc = structuredClone(raw);
  const http = registry.getExtension("google.api.http");
  const hasHttpRule = (method: DescMethod) =>
    http !== undefined && (getOption(method, http as any) as { pattern?: { case?: string } } | undefined)?.pattern?.case !== undefined;
  // gnostic's operationId (Service_Method) → method; internal RPCs (no google.api.http rule, e.g.
  // ApiKeyVerificationService) are not part of the REST surface.
  const methods = new Map<string, DescMethod>();
  for (const file of registry.files) {
    if (!file.proto.package.startsWith("tally.")) continue;
    for (const service of file.services) for (const method of service.methods) if (hasHttpRule(method)) methods.set(`${service.name}_${method.name}`, method);
  }

  // Schemas: int64 as strings, no gnostic-only `format: enum`.
  for (const type of registry) {
    if (type.kind !== "message" || !type.typeName.startsWith("tally.")) continue;
    const schema = doc.components?.schemas?.[type.name];
    if (!schema) continue;
    for (const field of type.fields) {
      const prop = schema.properties?.[field.jsonName];
      if (!prop) continue;
      const format = int64Format(field);
      if (format) markInt64(prop, format);
    }
  }
  const dropEnumFormat = (node: Json): void => {
    if (Array.isArray(node)) return node.forEach(dropEnumFormat);
    if (node && typeof node === "object") {
      if (node.format === "enum") delete node.format;
      Object.values(node).forEach(dropEnumFormat);
    }
  };
  dropEnumFormat(doc);

  Object.assign(doc.components.schemas, statusSchemas());
  delete doc.components.schemas.GoogleProtobufAny;
  doc.components.responses = errorResponses();
  doc.components.securitySchemes = {
    bearer: {
      type: "http",
      scheme: "bearer",
      description: "`authorization: Bearer <token>`: an access token from /v1/auth:login or /v1/auth:register, or an API key (`tly_…`).",
    },
  };
  doc.security = [{ bearer: [] }];
  doc.servers = [{ url: "/", description: "The Tally edge (Envoy) that serves this document." }];
  doc.info.description = [
    "REST/JSON edge of Tally (Envoy gRPC-JSON transcoding of the gRPC services; generated from proto/ by `npm run gen`).",
    "JSON names are lowerCamelCase (proto names are accepted on input); int64 values are decimal strings; enums are their wire names",
    "(input is case-insensitive); timestamps are RFC 3339; repeated query parameters are given by repeating the parameter.",
    "Every error is a google.rpc.Status JSON object with an ErrorInfo detail (AIP-193).",
  ].join(" ");

  const seen = new Set<string>();
  for (const [path, item] of Object.entries<Json>(doc.paths)) {
    for (const [verb, op] of Object.entries<Json>(item)) {
      const method = methods.get(op.operationId);
      if (!method) throw new Error(`${verb.toUpperCase()} ${path}: operation ${op.operationId} matches no method of the descriptor set`);
      seen.add(op.operationId);
      const fullName = `${method.parent.typeName}.${method.name}`;
      op.summary = method.name;
      op["x-grpc-method"] = `/${method.parent.typeName}/${method.name}`;

      for (const param of op.parameters ?? []) {
        const field = fieldAt(method.input, param.name);
        const format = field && int64Format(field);
        if (format) markInt64(param.schema, format);
        // gnostic marks required body fields, not required query parameters (e.g. update_mask
        // once the body is the resource, AIP-134).
        if (field && isRequired(field)) param.required = true;
      }

      const ok = op.responses["200"];
      if (method.methodKind === "server_streaming") {
        const schema = ok.content["application/json"].schema;
        ok.description = "A stream of JSON objects, one per line (newline-delimited JSON), until the client disconnects.";
        ok.content = { "application/x-ndjson": { schema } };
        op["x-stream"] = "ndjson";
      }

      const isPublic = PUBLIC_METHODS.has(fullName);
      if (isPublic) op.security = [];
      const hasPathParams = (op.parameters ?? []).some((p: Json) => p.in === "path");
      const fields = method.input.fields.map((f) => f.name);
      const creates = /^(Create|Register)/.test(method.name);
      const changes = /^Update/.test(method.name) || fields.includes("etag");
      const statuses: ErrorStatus[] = ["400"];
      if (!isPublic) statuses.push("401", "403");
      if (hasPathParams) statuses.push("404");
      if (creates || changes) statuses.push("409");
      if (op.requestBody) statuses.push("413");
      statuses.push("429", "503");
      const responses: Json = { "200": ok };
      for (const s of statuses) responses[s] = { $ref: `#/components/responses/Error${s}` };
      responses.default = { $ref: "#/components/responses/ErrorDefault" };
      op.responses = responses;
    }
  }
  for (const id of methods.keys()) {
    const m = methods.get(id)!;
    if (!seen.has(id) && m.methodKind !== "client_streaming" && m.methodKind !== "bidi_streaming") {
      throw new Error(`${id} has no REST binding in the document; every unary and server-streaming method is expected to have one`);
    }
  }

  doc.paths["/openapi.json"] = {
    get: {
      tags: ["Edge"],
      summary: "OpenAPI",
      description: "This document.",
      operationId: "Edge_GetOpenApi",
      security: [],
      responses: { "200": { description: "The OpenAPI 3 document.", content: { "application/json": { schema: { type: "object" } } } } },
    },
  };
  doc.tags = [...(doc.tags ?? []), { name: "Edge", description: "Served by Envoy itself." }];
  return sortKeys(doc);
}

/** Stable output: object keys sorted (arrays keep their order; `paths` too, for diffs). */
function sortKeys(node: Json): Json {
  if (Array.isArray(node)) return node.map(sortKeys);
  if (node && typeof node === "object") {
    return Object.fromEntries(
      Object.keys(node)
        .sort()
        .map((k) => [k, sortKeys(node[k])]),
    );
  }
  return node;
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const [rawPath, descriptorPath, outPath] = process.argv.slice(2);
  if (!rawPath || !descriptorPath || !outPath) {
    console.error("usage: openapi.ts GNOSTIC_JSON DESCRIPTOR_SET OUT_JSON");
    process.exit(2);
  }
  const doc = finishDocument(JSON.parse(readFileSync(rawPath, "utf8")), readFileSync(descriptorPath));
  writeFileSync(outPath, `${JSON.stringify(doc, null, 2)}\n`);
}
