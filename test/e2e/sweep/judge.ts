/**
 * The verdict on one answer. Never acceptable: INTERNAL / UNKNOWN / DATA_LOSS, an HTTP 5xx other
 * than 503/504 (501 only where the RPC is documented as unimplemented), no answer, a REST error
 * that is not Tally's JSON error shape, an error inside an HTTP 200. 503/504 and UNAVAILABLE /
 * DEADLINE_EXCEEDED are tolerated (but listed) where any answer would do; where the contract says
 * the input is refused they are not. Beyond that, each case expects an exact code, a refusal, or
 * merely no server error.
 */
import type { JsonValue } from "@bufbuild/protobuf";
import type { RpcSpec } from "./rpc-specs.js";
import type { Outcome } from "./transports.js";

export type Expectation =
  /** Exactly this gRPC code (and its HTTP status through Envoy). */
  | { kind: "code"; code: "UNAUTHENTICATED" | "PERMISSION_DENIED" | "NOT_FOUND" }
  /** Exactly this HTTP status (REST only). */
  | { kind: "http"; http: number }
  /** OK, with every event refused in the receipts. */
  | { kind: "receipts-refused" }
  /** Any client error (4xx), or OK with the input refused in the receipts. */
  | { kind: "refused" }
  /** Anything but a server error. */
  | { kind: "no-server-error" }
  /** A valid request by an OWNER: OK; a state-changing RPC may also find its state already moved on. */
  | { kind: "control"; mutates: boolean };

export const HTTP_OF: Record<string, number> = {
  OK: 200,
  CANCELLED: 499,
  INVALID_ARGUMENT: 400,
  FAILED_PRECONDITION: 400,
  OUT_OF_RANGE: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  ABORTED: 409,
  RESOURCE_EXHAUSTED: 429,
  UNIMPLEMENTED: 501,
  UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 504,
};

const CLIENT_ERRORS = new Set([
  "CANCELLED",
  "INVALID_ARGUMENT",
  "FAILED_PRECONDITION",
  "OUT_OF_RANGE",
  "NOT_FOUND",
  "ALREADY_EXISTS",
  "ABORTED",
  "UNAUTHENTICATED",
  "PERMISSION_DENIED",
  "RESOURCE_EXHAUSTED",
]);

export type Verdict = { kind: "expected" } | { kind: "tolerated"; why: string } | { kind: "unexpected"; why: string };

/** How an answer reads, whatever the transport. */
export function statusOf(o: Outcome): string {
  if (o.transport === "grpc") return o.code ?? "?";
  return o.http === undefined ? (o.code ?? "?") : `HTTP ${o.http}${o.code && o.code !== "OK" ? ` ${o.code}` : ""}`;
}

const isOk = (o: Outcome) => (o.transport === "grpc" ? o.code === "OK" : o.http !== undefined && o.http >= 200 && o.http < 300);
const isClientError = (o: Outcome) => (o.transport === "grpc" ? CLIENT_ERRORS.has(o.code ?? "") : o.http !== undefined && o.http >= 400 && o.http < 500);
const isUnimplemented = (o: Outcome) => (o.transport === "grpc" ? o.code === "UNIMPLEMENTED" : o.http === 501);
const isTolerated = (o: Outcome) => (o.transport === "grpc" ? o.code === "UNAVAILABLE" || o.code === "DEADLINE_EXCEEDED" : o.http === 503 || o.http === 504);

export function judge(expect: Expectation, o: Outcome, spec: RpcSpec, leakIds: string[] = []): Verdict {
  const status = statusOf(o);
  if (o.formProblem) return { kind: "unexpected", why: o.formProblem };
  // A dependency may be slow or down: tolerated where any answer would do. Where the input must be
  // refused, the refusal comes before any dependency is asked, so a 503/504 there hides a bug
  // (e.g. an unvalidated id passed on until the campaign service fails).
  if (isTolerated(o) && (expect.kind === "no-server-error" || expect.kind === "control")) return { kind: "tolerated", why: status };
  if (isTolerated(o))
    return {
      kind: "unexpected",
      why: `expected ${expect.kind === "code" ? expect.code : "a refusal"}, got ${status} (input the contract refuses must be refused before anything can time out or fail downstream)`,
    };
  const serverError = o.transport === "grpc" ? !isOk(o) && !isClientError(o) && !isUnimplemented(o) : o.http === undefined || o.http >= 500;
  if (serverError && !(spec.unimplemented && isUnimplemented(o))) return { kind: "unexpected", why: `server error ${status}` };
  // An unimplemented RPC still authenticates first; past that, UNIMPLEMENTED tells nobody anything.
  const unimplementedOk = expect.kind !== "http" && !(expect.kind === "code" && expect.code === "UNAUTHENTICATED");
  if (spec.unimplemented && isUnimplemented(o) && unimplementedOk) return { kind: "expected" };
  if (isUnimplemented(o)) return { kind: "unexpected", why: `${status} from an RPC not documented as unimplemented` };

  const refusedInBody = isOk(o) && spec.refusedInBody?.(o.body as JsonValue) === true;
  let ok: boolean;
  let wanted: string;
  switch (expect.kind) {
    case "code":
      ok = o.transport === "grpc" ? o.code === expect.code : o.http === HTTP_OF[expect.code];
      wanted = o.transport === "grpc" ? expect.code : `HTTP ${HTTP_OF[expect.code]}`;
      break;
    case "http":
      ok = o.http === expect.http;
      wanted = `HTTP ${expect.http}`;
      break;
    case "receipts-refused":
      ok = refusedInBody;
      wanted = "OK with every event REJECTED";
      break;
    case "refused":
      ok = isClientError(o) || refusedInBody;
      wanted = "a refusal (4xx / client-error code, or every event REJECTED)";
      break;
    case "no-server-error":
      ok = true;
      wanted = "no server error";
      break;
    case "control":
      // The twin control over the other transport may have moved the campaign on (or deleted it).
      ok = isOk(o) || (expect.mutates && ["FAILED_PRECONDITION", "ABORTED", "ALREADY_EXISTS", "NOT_FOUND"].includes(o.code ?? ""));
      wanted = "OK for a valid request (the sweep's base request is wrong otherwise)";
      break;
  }
  if (!ok) return { kind: "unexpected", why: `expected ${wanted}, got ${status}${isOk(o) ? " (accepted)" : ""}` };
  if (isOk(o) && leakIds.length > 0) {
    const text = JSON.stringify(o.body ?? null);
    const leaked = leakIds.filter((id) => text.includes(id));
    if (leaked.length > 0) return { kind: "unexpected", why: `answer names another tenant's ids: ${leaked.join(", ")}` };
  }
  return { kind: "expected" };
}
