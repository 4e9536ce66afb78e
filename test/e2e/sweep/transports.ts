/**
 * Sends one request over gRPC (raw protobuf bytes with a generic grpc-js client, so that bytes a
 * generated client would never produce can be sent) or over Envoy REST (the google.api.http
 * binding: path variables, query parameters or a JSON body), and reports what came back.
 */
import { Client, credentials, Metadata, status as grpcStatus, type ServiceError } from "@grpc/grpc-js";
import { fromBinary, toJson, type DescField, type DescMessage, type JsonObject, type JsonValue } from "@bufbuild/protobuf";
import type { Contract, Rpc } from "./contract.js";
import { BAD_UTF8, BAD_UTF8_BYTES } from "./fuzz-values.js";

export type Transport = "grpc" | "rest";

export interface Outcome {
  transport: Transport;
  /** gRPC status name; for REST the code in the JSON error body, when there is one. */
  code?: string;
  /** REST only. */
  http?: number;
  /** The answer of an OK call, as proto3 JSON. */
  body?: JsonValue;
  /** Something wrong with the answer's form whatever its status (e.g. a text/plain error). */
  formProblem?: string;
  /** Error message (first 160 characters), for the report. */
  message?: string;
}

/** What one case sends. Exactly one of json / rawGrpc / rawRest is used. */
export interface Wire {
  json?: JsonObject;
  /** gRPC bytes that no encoder would produce (undecodable). */
  rawGrpc?: Buffer;
  /** A REST request built by hand (malformed JSON, unknown query parameter, oversized body). */
  rawRest?: { pathAndQuery: string; body?: Buffer };
}

// Generous for a healthy stack (answers take milliseconds); a hung case costs at most this.
const TIMEOUT_MS = 5_000;
const STREAM_FIRST_MESSAGE_MS = 3_000;
const CODE_NAMES = Object.fromEntries(Object.entries(grpcStatus).filter(([, v]) => typeof v === "number").map(([k, v]) => [v, k])) as Record<number, string>;

function replaceAll(buf: Buffer, from: Buffer, to: Buffer): Buffer {
  let at = buf.indexOf(from);
  if (at < 0) return buf;
  const out = Buffer.from(buf);
  while (at >= 0) {
    to.copy(out, at);
    at = out.indexOf(from, at + from.length);
  }
  return out;
}
const PLACEHOLDER = Buffer.from(BAD_UTF8);
export const withBadUtf8 = (buf: Buffer) => replaceAll(buf, PLACEHOLDER, BAD_UTF8_BYTES);

export class GrpcTransport {
  constructor(private contract: Contract, private addressOf: (rpc: Rpc) => string) {}

  /**
   * One connection per case: an answer that breaks its HTTP/2 connection (e.g. a status message
   * over the header limit) must fail only the case that caused it, not the ones sharing the channel.
   */
  private client(rpc: Rpc): Client {
    return new Client(this.addressOf(rpc), credentials.createInsecure(), { "grpc.use_local_subchannel_pool": 1 });
  }

  /** Null when the request cannot be expressed in protobuf (e.g. 2^63 in an int64, a wrong JSON type). */
  encode(rpc: Rpc, wire: Wire): Buffer | null {
    if (wire.rawGrpc) return wire.rawGrpc;
    if (!wire.json) return null;
    try {
      return withBadUtf8(Buffer.from(this.contract.encode(rpc.input, wire.json)));
    } catch {
      return null;
    }
  }

  async send(rpc: Rpc, bytes: Buffer, token: string | undefined): Promise<Outcome> {
    const client = this.client(rpc);
    try {
      return await this.call(client, rpc, bytes, token);
    } finally {
      client.close();
    }
  }

  private call(client: Client, rpc: Rpc, bytes: Buffer, token: string | undefined): Promise<Outcome> {
    const md = new Metadata();
    if (token !== undefined) md.set("authorization", `Bearer ${token}`);
    const path = `/${rpc.id}`;
    const id = (b: Buffer) => b;
    const options = { deadline: new Date(Date.now() + TIMEOUT_MS) };
    const done = (err: ServiceError | null, res?: Buffer): Outcome =>
      err
        ? { transport: "grpc", code: CODE_NAMES[err.code] ?? String(err.code), message: String(err.details ?? "").slice(0, 160) }
        : { transport: "grpc", code: "OK", body: res ? this.decode(rpc.output, res) : undefined };
    if (rpc.kind === "unary") {
      return new Promise((resolve) => client.makeUnaryRequest(path, id, id, bytes, md, options, (err, res) => resolve(done(err, res))));
    }
    if (rpc.kind === "client_streaming") {
      return new Promise((resolve) => {
        const call = client.makeClientStreamRequest(path, id, id, md, options, (err, res) => resolve(done(err, res)));
        call.write(bytes);
        call.end();
      });
    }
    // Server streaming: the first message (or the error) decides; then the client hangs up.
    return new Promise((resolve) => {
      const call = client.makeServerStreamRequest(path, id, id, bytes, md, options);
      let settled = false;
      const settle = (o: Outcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        call.cancel();
        resolve(o);
      };
      const timer = setTimeout(() => settle({ transport: "grpc", code: "NO_FIRST_MESSAGE", message: `nothing within ${STREAM_FIRST_MESSAGE_MS} ms` }), STREAM_FIRST_MESSAGE_MS);
      call.on("data", (res: Buffer) => settle(done(null, res)));
      call.on("error", (err: ServiceError) => settle(done(err)));
      call.on("end", () => settle({ transport: "grpc", code: "OK" }));
    });
  }

  private decode(message: DescMessage, bytes: Buffer): JsonValue {
    try {
      return toJson(message, fromBinary(message, bytes), { registry: this.contract.registry, alwaysEmitImplicit: true });
    } catch (err) {
      return { undecodable: String(err) };
    }
  }

  close(): void {}
}

export interface RestRequest {
  method: string;
  pathAndQuery: string;
  body?: Buffer;
}

/** Builds the REST request of a binding from a proto3-JSON request; null when not expressible. */
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
  if (http.body) return null; // A sub-field body: no binding of Tally's uses one yet.
  if (bodyOnlyPath) return null;
  const params: string[] = [];
  if (!flatten(rest, [], params)) return null;
  if (params.length > 0) path += `?${params.join("&")}`;
  return { method, pathAndQuery: path };
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

const pct = (b: Buffer) => [...b].map((x) => `%${x.toString(16).toUpperCase().padStart(2, "0")}`).join("");
function encodePathValue(s: string): string {
  return s.split(BAD_UTF8).map((part) => encodeURIComponent(part)).join(pct(BAD_UTF8_BYTES));
}

/** Query parameters of a GET/DELETE binding: repeated fields repeat, nested fields are dotted. */
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
  const formProblem = !contentType.includes("application/json") || !err || typeof err.message !== "string"
    ? `error body is not Tally's JSON error shape (content-type ${contentType || "none"}): ${JSON.stringify(text.slice(0, 80))}`
    : undefined;
  return { transport: "rest", http, code, message: message ?? text.slice(0, 160), formProblem };
}
