/**
 * Envoy REST: a request built from the RPC's google.api.http binding (path variables, query
 * parameters and a JSON body as its HttpRule's `body` says), and the answer read as a REST client
 * would, streams included.
 */
import type { DescField, DescMessage, JsonObject, JsonValue } from "@bufbuild/protobuf";
import type { Contract, Rpc } from "./contract.js";
import { BAD_UTF8 } from "./fuzz-values.js";
import { CODE_NAMES, PCT_BAD_UTF8, STREAM_FIRST_MESSAGE_MS, TIMEOUT_MS, withBadUtf8, type Outcome, type Wire } from "./transports.js";

export interface RestRequest {
  method: string;
  pathAndQuery: string;
  body?: Buffer;
}

/**
 * Builds the REST request of a binding from a proto3-JSON request; null when not expressible.
 * Follows the HttpRule generically: path variables (nested ones too, `{campaign.id}`) are taken out
 * of the request; then the body field ("*": everything left; a field name: that field's value, the
 * rest in the query; "": no body, everything in the query). `bodyOnlyPath` names a value that only
 * JSON can carry (a wrong JSON type): the request is not expressible when it would travel in the URL.
 */
export function restRequest(contract: Contract, rpc: Rpc, wire: Wire, bodyOnlyPath?: (string | number)[]): RestRequest | null {
  const http = rpc.http;
  if (!http) return null;
  const method = http.verb.toUpperCase();
  if (wire.rawRest) return { method, ...wire.rawRest };
  if (!wire.json) return null;
  const rest = structuredClone(wire.json) as JsonObject;
  const pathJson: string[][] = [];
  let path = http.template.replace(/\{([^}=]+)(?:=[^}]*)?\}/g, (_m, fieldPath: string) => {
    const jsonPath = jsonPathOf(rpc.input, fieldPath.split("."));
    pathJson.push(jsonPath);
    const v = take(rest, jsonPath);
    return encodePathValue(v === undefined || v === null ? "" : typeof v === "object" ? JSON.stringify(v) : String(v));
  });
  if (bodyOnlyPath && pathJson.some((p) => startsWith(bodyOnlyPath, p))) return null;
  if (http.body === "*") return { method, pathAndQuery: path, body: withBadUtf8(Buffer.from(JSON.stringify(rest))) };
  let body: Buffer | undefined;
  if (http.body) {
    const bodyPath = jsonPathOf(rpc.input, http.body.split("."));
    if (bodyOnlyPath && !startsWith(bodyOnlyPath, bodyPath)) return null;
    const value = take(rest, bodyPath);
    body = withBadUtf8(Buffer.from(JSON.stringify(value === undefined ? {} : value)));
  } else if (bodyOnlyPath) return null;
  const params: string[] = [];
  if (!flatten(rest, [], params)) return null;
  if (params.length > 0) path += `?${params.join("&")}`;
  return body ? { method, pathAndQuery: path, body } : { method, pathAndQuery: path };
}

function jsonPathOf(message: DescMessage, protoPath: string[]): string[] {
  const out: string[] = [];
  let m: DescMessage | undefined = message;
  for (const name of protoPath) {
    const f: DescField | undefined = m?.fields.find((x) => x.name === name);
    if (!f) throw new Error(`${message.typeName}: no field ${protoPath.join(".")} for the http template`);
    out.push(f.jsonName);
    m = f.fieldKind === "message" ? f.message : undefined;
  }
  return out;
}

const startsWith = (path: (string | number)[], prefix: string[]) => prefix.every((p, i) => path[i] === p);

function take(obj: JsonObject, path: string[]): JsonValue | undefined {
  let parent: JsonValue = obj;
  for (const p of path.slice(0, -1)) {
    if (parent === null || typeof parent !== "object" || Array.isArray(parent)) return undefined;
    parent = (parent as JsonObject)[p] as JsonValue;
  }
  if (parent === null || typeof parent !== "object" || Array.isArray(parent)) return undefined;
  const last = path.at(-1)!;
  const v = (parent as JsonObject)[last];
  delete (parent as JsonObject)[last];
  return v;
}

function encodePathValue(s: string): string {
  return s
    .split(BAD_UTF8)
    .map((part) => encodeURIComponent(part))
    .join(PCT_BAD_UTF8);
}

/** Query parameters (every field outside the path and the body): repeated fields repeat, nested fields are dotted. */
function flatten(v: JsonValue, prefix: string[], out: string[]): boolean {
  if (v === null) return true;
  if (Array.isArray(v)) {
    for (const e of v) {
      if (e !== null && typeof e === "object") return false;
      out.push(`${prefix.join(".")}=${encodePathValue(String(e))}`);
    }
    return true;
  }
  if (typeof v === "object") {
    for (const [k, x] of Object.entries(v)) if (!flatten(x as JsonValue, [...prefix, k], out)) return false;
    return true;
  }
  out.push(`${prefix.join(".")}=${encodePathValue(String(v))}`);
  return true;
}

export async function sendRest(baseUrl: string, rpc: Rpc, req: RestRequest, token: string | undefined): Promise<Outcome> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
  try {
    const res = await fetch(`${baseUrl}${req.pathAndQuery}`, {
      method: req.method,
      headers: { "content-type": "application/json", ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}) },
      body: req.body,
      signal: controller.signal,
    });
    const text = rpc.kind === "server_streaming" ? await firstChunk(res, controller) : await res.text();
    return restOutcome(res.status, res.headers.get("content-type") ?? "", text, rpc.kind === "server_streaming");
  } catch (err) {
    return { transport: "rest", code: "NO_ANSWER", message: String((err as Error).message ?? err).slice(0, 160) };
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

/** A live stream never ends: read until the first complete line (or a pause), then hang up. */
async function firstChunk(res: Response, controller: AbortController): Promise<string> {
  if (!res.body) return "";
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  const pause = setTimeout(() => controller.abort(), STREAM_FIRST_MESSAGE_MS);
  try {
    while (!text.includes("\n") && text.length < 64_000) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } catch {
    // Aborted after the pause: judge what arrived.
  } finally {
    clearTimeout(pause);
  }
  return text;
}

function restOutcome(http: number, contentType: string, text: string, stream: boolean): Outcome {
  let json: JsonValue | undefined;
  try {
    // NDJSON streams: the first line is the first message (or the error).
    json = JSON.parse(stream ? (text.split("\n")[0] ?? "") : text || "{}") as JsonValue;
  } catch {
    json = undefined;
  }
  const first = Array.isArray(json) ? (json[0] as JsonValue) : json;
  const err = first && typeof first === "object" && !Array.isArray(first) && typeof first.code === "number" && first.code !== 0 ? first : null;
  const code = err ? (CODE_NAMES[err.code as number] ?? String(err.code)) : undefined;
  const message = err ? String(err.message ?? "").slice(0, 160) : undefined;
  if (http >= 200 && http < 300) {
    if (err) return { transport: "rest", http, code, message, formProblem: `HTTP ${http} with error ${code} in the body` };
    return { transport: "rest", http, code: "OK", body: first };
  }
  const formProblem =
    !contentType.includes("application/json") || !err || typeof err.message !== "string"
      ? `error body is not Tally's JSON error shape (content-type ${contentType || "none"}): ${JSON.stringify(text.slice(0, 80))}`
      : undefined;
  return { transport: "rest", http, code, message: message ?? text.slice(0, 160), formProblem };
}
