import { Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { Any } from "#gen/google/protobuf/any.js";
import { BadRequest, ErrorInfo, PreconditionFailure, RetryInfo } from "#gen/google/rpc/error_details.js";
import { Status } from "#gen/google/rpc/status.js";
import { AppError, type ErrorCode, type FieldViolation, type PreconditionViolation } from "./errors.js";
import type { Logger } from "./logger.js";

/** The ErrorInfo domain of every Tally error (AIP-193). */
export const ERROR_DOMAIN = "tally.dev";

const CODES: Record<ErrorCode, status> = {
  INVALID_ARGUMENT: status.INVALID_ARGUMENT,
  FAILED_PRECONDITION: status.FAILED_PRECONDITION,
  ABORTED: status.ABORTED,
  ALREADY_EXISTS: status.ALREADY_EXISTS,
  NOT_FOUND: status.NOT_FOUND,
  UNAUTHENTICATED: status.UNAUTHENTICATED,
  PERMISSION_DENIED: status.PERMISSION_DENIED,
  RESOURCE_EXHAUSTED: status.RESOURCE_EXHAUSTED,
  UNAVAILABLE: status.UNAVAILABLE,
  UNIMPLEMENTED: status.UNIMPLEMENTED,
  DEADLINE_EXCEEDED: status.DEADLINE_EXCEEDED,
  INTERNAL: status.INTERNAL,
};

/**
 * Status messages and details travel in HTTP/2 headers (grpc-message, grpc-status-details-bin), and
 * Envoy turns them into headers again: a long echo of client input once overflowed Envoy's header
 * limit (502). Validation messages quote short prefixes already; this is the last guard for all.
 */
const MAX_MESSAGE_CHARS = 1000;
const MAX_DESCRIPTION_CHARS = 300;
const clip = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

const pack = (typeName: string, value: Uint8Array): Any => ({ typeUrl: `type.googleapis.com/${typeName}`, value: Buffer.from(value) });

/**
 * The one mapper from any thrown value to a gRPC status. AppErrors keep their message and details;
 * anything else is logged with its cause and answered INTERNAL with no internals.
 */
export function toServiceError(err: unknown, logger: Logger): Partial<ServiceError> {
  const app = err instanceof AppError ? err : null;
  if (!app) {
    logger.error({ err }, "unexpected error");
  } else if (app.code === "INTERNAL" || app.code === "UNAVAILABLE") {
    logger.warn({ reason: app.reason, cause: app.options.cause }, app.message);
  }
  const code = app ? CODES[app.code] : status.INTERNAL;
  const message = app ? clip(app.message, MAX_MESSAGE_CHARS) : "internal error";
  const reason = app ? app.reason : "INTERNAL";

  const details: Any[] = [pack("google.rpc.ErrorInfo", ErrorInfo.encode({ reason, domain: ERROR_DOMAIN, metadata: app?.options.metadata ?? {} }).finish())];
  const violations = app?.options.violations ?? [];
  if (violations.length > 0) {
    const badRequest = {
      fieldViolations: violations.map((v) => ({
        field: clip(v.field, MAX_DESCRIPTION_CHARS),
        description: clip(v.description, MAX_DESCRIPTION_CHARS),
        reason: "",
        localizedMessage: undefined,
      })),
    };
    details.push(pack("google.rpc.BadRequest", BadRequest.encode(badRequest).finish()));
  }
  // Every FAILED_PRECONDITION says which precondition failed (AIP-193), even where the thrower named none.
  const preconditions =
    app?.options.preconditions ?? (app?.code === "FAILED_PRECONDITION" ? [{ type: app.reason, subject: "", description: app.message }] : []);
  if (preconditions.length > 0) {
    const failure = {
      violations: preconditions.map((p) => ({
        type: p.type,
        subject: clip(p.subject, MAX_DESCRIPTION_CHARS),
        description: clip(p.description, MAX_DESCRIPTION_CHARS),
      })),
    };
    details.push(pack("google.rpc.PreconditionFailure", PreconditionFailure.encode(failure).finish()));
  }
  const metadata = new Metadata();
  if (app?.options.retryAfterMs !== undefined) {
    const ms = app.options.retryAfterMs;
    const retry = { retryDelay: { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1e6 } };
    details.push(pack("google.rpc.RetryInfo", RetryInfo.encode(retry).finish()));
    metadata.set("retry-after", String(Math.max(1, Math.ceil(ms / 1000))));
  }
  if (code === status.UNAUTHENTICATED) metadata.set("www-authenticate", wwwAuthenticate(reason));
  metadata.set("grpc-status-details-bin", Buffer.from(Status.encode({ code, message, details }).finish()));
  return { code, details: message, metadata };
}

/** Credentials that were sent and refused; TOKEN_MISSING (and a wrong password at login) sent none. */
const REFUSED_TOKEN = new Set(["TOKEN_EXPIRED", "TOKEN_INVALID", "API_KEY_INVALID"]);

/**
 * RFC 6750 §3: every 401 names the scheme; `error="invalid_token"` when a credential was sent and
 * refused. A trailers-only status's metadata becomes HTTP headers at the edge, so REST clients get
 * it on the 401 (and gRPC clients in the trailers).
 */
function wwwAuthenticate(reason: string): string {
  return REFUSED_TOKEN.has(reason) ? 'Bearer realm="tally", error="invalid_token"' : 'Bearer realm="tally"';
}

export interface DecodedStatus {
  reason?: string;
  domain?: string;
  metadata?: Record<string, string>;
  violations: FieldViolation[];
  preconditions: PreconditionViolation[];
  retryDelayMs?: number;
}

/** Reads the rich details of a gRPC error (for clients and tests). */
export function decodeStatusDetails(err: Pick<ServiceError, "metadata">): DecodedStatus {
  const out: DecodedStatus = { violations: [], preconditions: [] };
  const raw = err.metadata?.get("grpc-status-details-bin")[0];
  if (!raw || typeof raw === "string") return out;
  for (const any of Status.decode(raw).details) {
    const type = any.typeUrl.slice(any.typeUrl.lastIndexOf("/") + 1);
    if (type === "google.rpc.ErrorInfo") {
      const info = ErrorInfo.decode(any.value);
      Object.assign(out, { reason: info.reason, domain: info.domain, metadata: info.metadata });
    } else if (type === "google.rpc.BadRequest") {
      out.violations = BadRequest.decode(any.value).fieldViolations.map((v) => ({ field: v.field, description: v.description }));
    } else if (type === "google.rpc.PreconditionFailure") {
      out.preconditions = PreconditionFailure.decode(any.value).violations.map((v) => ({ type: v.type, subject: v.subject, description: v.description }));
    } else if (type === "google.rpc.RetryInfo") {
      const d = RetryInfo.decode(any.value).retryDelay;
      if (d) out.retryDelayMs = Number(d.seconds) * 1000 + Math.round(d.nanos / 1e6);
    }
  }
  return out;
}
