/**
 * Reading the committed OpenAPI document (openapi/tally.openapi.json) for the route sweep: its
 * operations, minimal valid values built from its schemas, and a strict validator for answers.
 * Nothing here names a route: when proto/ changes and `npm run gen` rewrites the document, the
 * sweep follows it.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

type Json = any;

export const DOC_PATH = fileURLToPath(new URL("../../openapi/tally.openapi.json", import.meta.url));
export const doc: Json = JSON.parse(readFileSync(DOC_PATH, "utf8"));

export interface Operation {
  id: string;
  method: string;
  path: string;
  op: Json;
  pathParams: Json[];
  queryParams: Json[];
  bodySchema: Json | undefined;
  secured: boolean;
  grpcMethod: string | undefined;
}

export function operations(): Operation[] {
  const out: Operation[] = [];
  for (const [path, item] of Object.entries<Json>(doc.paths)) {
    for (const [method, op] of Object.entries<Json>(item)) {
      const params: Json[] = op.parameters ?? [];
      out.push({
        id: op.operationId,
        method: method.toUpperCase(),
        path,
        op,
        pathParams: params.filter((p) => p.in === "path"),
        queryParams: params.filter((p) => p.in === "query"),
        bodySchema: op.requestBody?.content?.["application/json"]?.schema,
        secured: (op.security ?? doc.security ?? []).length > 0,
        grpcMethod: op["x-grpc-method"],
      });
    }
  }
  return out;
}

export function resolve(schema: Json): Json {
  let s = schema;
  while (s?.$ref) {
    const parts = (s.$ref as string).replace(/^#\//, "").split("/");
    s = parts.reduce((node: Json, k) => node?.[k], doc);
    if (!s) throw new Error(`dangling $ref ${schema.$ref}`);
  }
  if (s?.allOf?.length === 1 && !s.type) return { ...resolve(s.allOf[0]), ...s, allOf: undefined };
  return s;
}

/** HTTP statuses an operation declares (not counting `default`). */
export function declaredStatuses(op: Json): Set<number> {
  return new Set(
    Object.keys(op.responses)
      .filter((k) => /^\d{3}$/.test(k))
      .map(Number),
  );
}

export interface SampleContext {
  /** A unique suffix for names that must not collide. */
  unique: () => string;
  /** An id for a field named like `<resource>Id` / `<resource>Ids` (e.g. campaignId). */
  idFor: (field: string) => string | undefined;
  /** Fields to add to every sample of a named schema (components.schemas key), beyond its required ones. */
  fieldsFor?: (schemaName: string) => Record<string, unknown> | undefined;
}

/** The components.schemas name a schema refers to (directly, or as the one member of an allOf). */
function schemaName(schema: Json): string | undefined {
  const ref: string | undefined = schema?.$ref ?? (schema?.allOf?.length === 1 ? schema.allOf[0].$ref : undefined);
  return ref?.startsWith("#/components/schemas/") ? ref.slice("#/components/schemas/".length) : undefined;
}

const today = () => new Date().toISOString().slice(0, 10);

/**
 * A minimal valid value for a schema: required properties only, chosen by name and type, plus what
 * ctx.fieldsFor adds to a named schema.
 */
export function sample(schema: Json, name: string, ctx: SampleContext): unknown {
  const s = resolve(schema);
  const key = name.toLowerCase();
  if (s.type === "object" && s.properties) {
    const out: Record<string, unknown> = {};
    for (const prop of s.required ?? []) {
      const ps = s.properties[prop];
      if (!ps || resolve(ps).readOnly || ps.readOnly) continue;
      out[prop] = sample(ps, prop, ctx);
    }
    const named = schemaName(schema);
    return { ...out, ...(named ? ctx.fieldsFor?.(named) : undefined) };
  }
  if (s.type === "object") return {};
  if (s.type === "array") {
    const singular = name.endsWith("s") ? name.slice(0, -1) : name;
    return [sample(s.items, singular, ctx)];
  }
  if (s.enum) return s.enum.find((v: string) => !v.endsWith("_UNSPECIFIED")) ?? s.enum[0];
  if (s.type === "integer") return 1;
  if (s.type === "number") return 1;
  if (s.type === "boolean") return true;
  // Strings, by what the name says.
  if (s.format === "int64" || s.format === "uint64") return "1000000";
  if (s.format === "date-time") return new Date(Date.now() - 60_000).toISOString();
  if (key.endsWith("id") || key.endsWith("ids")) {
    const id = ctx.idFor(name);
    if (id) return id;
    if (key === "requestid" || key === "eventid") return randomUUID();
  }
  if (key === "email") return `${ctx.unique()}@example.com`;
  if (key === "password") return "sweep password 123";
  if (key === "currencycode") return "USD";
  if (key === "timezone") return "UTC";
  if (key === "platform") return "meta";
  if (key === "region") return "US";
  if (key === "updatemask") return "*";
  if (key === "date" || key.endsWith("date")) return today();
  if (key.endsWith("name")) return `Sweep ${ctx.unique()}`;
  return "sweep";
}

/**
 * Strict validation of an answer against a schema: every property must be documented, types and
 * formats as documented (int64 as decimal strings, enums by name), every required one present but
 * the writeOnly ones (credentials). Returns the problems found.
 */
export function validate(value: unknown, schema: Json, at = "$"): string[] {
  const s = resolve(schema);
  if (s.oneOf) {
    const fits = s.oneOf.filter((alt: Json) => validate(value, alt, at).length === 0);
    return fits.length === 1 ? [] : [`${at}: matches ${fits.length} of the ${s.oneOf.length} documented alternatives`];
  }
  const problems: string[] = [];
  const type = Array.isArray(value) ? "array" : value === null ? "null" : typeof value;
  switch (s.type) {
    case "object": {
      if (type !== "object") return [`${at}: expected an object, got ${type}`];
      const obj = value as Record<string, unknown>;
      // A required writeOnly property is required in requests only (OpenAPI 3.0, writeOnly): answers never carry it.
      for (const r of s.required ?? []) if (!(r in obj) && !s.properties?.[r]?.writeOnly) problems.push(`${at}.${r}: required, missing`);
      for (const [k, v] of Object.entries(obj)) {
        if (s.properties?.[k]) problems.push(...validate(v, s.properties[k], `${at}.${k}`));
        else if (s.additionalProperties && s.additionalProperties !== true) problems.push(...validate(v, s.additionalProperties, `${at}.${k}`));
        else if (!s.additionalProperties && s.properties) problems.push(`${at}.${k}: not in the document`);
      }
      return problems;
    }
    case "array":
      if (type !== "array") return [`${at}: expected an array, got ${type}`];
      (value as unknown[]).forEach((v, i) => problems.push(...validate(v, s.items, `${at}[${i}]`)));
      return problems;
    case "string":
      if (type !== "string") return [`${at}: expected a string, got ${type} ${JSON.stringify(value)}`];
      if (s.enum && !s.enum.includes(value)) return [`${at}: ${JSON.stringify(value)} is not one of ${s.enum.join(", ")}`];
      if (s.pattern && !new RegExp(s.pattern).test(value as string)) return [`${at}: ${JSON.stringify(value)} does not match ${s.pattern}`];
      if (s.format === "date-time" && Number.isNaN(Date.parse(value as string))) return [`${at}: ${JSON.stringify(value)} is not a date-time`];
      return [];
    case "integer":
      return Number.isInteger(value) ? [] : [`${at}: expected an integer, got ${JSON.stringify(value)}`];
    case "number":
      return type === "number" ? [] : [`${at}: expected a number, got ${JSON.stringify(value)}`];
    case "boolean":
      return type === "boolean" ? [] : [`${at}: expected a boolean, got ${JSON.stringify(value)}`];
    default:
      return [];
  }
}
