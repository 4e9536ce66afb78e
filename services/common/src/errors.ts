/**
 * Domain errors with stable reasons. Domains throw these; only the transport edge
 * (grpc-status.ts) turns them into gRPC statuses with ErrorInfo / BadRequest / RetryInfo details.
 */
export type ErrorCode =
  | "INVALID_ARGUMENT"
  | "FAILED_PRECONDITION"
  | "ABORTED"
  | "ALREADY_EXISTS"
  | "NOT_FOUND"
  | "UNAUTHENTICATED"
  | "PERMISSION_DENIED"
  | "RESOURCE_EXHAUSTED"
  | "UNAVAILABLE"
  | "UNIMPLEMENTED"
  | "DEADLINE_EXCEEDED"
  | "INTERNAL";

export interface FieldViolation {
  /** Path of the field in the request, e.g. `campaign.budget_micros`. */
  field: string;
  description: string;
}

/** One google.rpc.PreconditionFailure violation (AIP-193): what failed, on which resource, and why. */
export interface PreconditionViolation {
  /** Stable, UPPER_SNAKE_CASE kind of precondition, e.g. `INVALID_TRANSITION`. */
  type: string;
  /** The resource it failed on, e.g. `campaigns/<id>`. */
  subject: string;
  description: string;
}

export interface AppErrorOptions {
  violations?: FieldViolation[];
  /** Sent as google.rpc.PreconditionFailure; meant for FAILED_PRECONDITION. */
  preconditions?: PreconditionViolation[];
  /** Extra ErrorInfo metadata; must never carry secrets. */
  metadata?: Record<string, string>;
  retryAfterMs?: number;
  cause?: unknown;
}

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    /** Stable, UPPER_SNAKE_CASE, documented: clients branch on it. */
    readonly reason: string,
    message: string,
    readonly options: AppErrorOptions = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "AppError";
  }
}

export const notFound = (what: string, id: string, reason = `${what.toUpperCase()}_NOT_FOUND`) =>
  new AppError("NOT_FOUND", reason, `${what} ${JSON.stringify(id)} not found`);

/**
 * Why a credential was refused, as ErrorInfo.reason: TOKEN_MISSING (no `authorization: Bearer …`),
 * TOKEN_EXPIRED (log in again), TOKEN_INVALID (not a token of this Tally), API_KEY_INVALID (unknown,
 * malformed or deleted key). Clients branch on these (refresh on TOKEN_EXPIRED only).
 */
export type UnauthenticatedReason = "TOKEN_MISSING" | "TOKEN_EXPIRED" | "TOKEN_INVALID" | "API_KEY_INVALID";

export const unauthenticated = (reason: UnauthenticatedReason, message: string) => new AppError("UNAUTHENTICATED", reason, message);

/**
 * Why an authenticated caller may not call a method: ROLE_TOO_LOW (a user's role is below the
 * method's), SCOPE_NOT_ALLOWED (an API key lacks the scope, or keys cannot call it at all),
 * SERVICE_ONLY (a method for Tally's own services).
 */
export type PermissionDeniedReason = "ROLE_TOO_LOW" | "SCOPE_NOT_ALLOWED" | "SERVICE_ONLY";

export const permissionDenied = (reason: PermissionDeniedReason, message: string, metadata?: Record<string, string>) =>
  new AppError("PERMISSION_DENIED", reason, message, { metadata });

export const unavailable = (dependency: string, cause?: unknown) =>
  new AppError("UNAVAILABLE", "DEPENDENCY_UNAVAILABLE", `${dependency} is unavailable; retry later`, { cause });

export const unimplemented = (rpc: string) => new AppError("UNIMPLEMENTED", "NOT_IMPLEMENTED", `${rpc} is not implemented yet`);

const MAX_SUMMARIZED = 10;

/** Collects every problem with an input, then throws them together. */
export class Violations {
  readonly list: FieldViolation[] = [];

  add(field: string, description: string): this {
    this.list.push({ field, description });
    return this;
  }

  /** Records a violation when `ok` is false; returns ok for chaining checks. */
  check(ok: boolean, field: string, description: string): boolean {
    if (!ok) this.add(field, description);
    return ok;
  }

  get empty(): boolean {
    return this.list.length === 0;
  }

  throwIfAny(reason = "INVALID_ARGUMENT"): void {
    if (this.list.length === 0) return;
    // The message travels as a header (twice: grpc-message and the status details), so it names
    // the first few; the BadRequest details list every violation.
    const shown = this.list.slice(0, MAX_SUMMARIZED).map((v) => `${v.field}: ${v.description}`);
    if (this.list.length > MAX_SUMMARIZED) shown.push(`and ${this.list.length - MAX_SUMMARIZED} more`);
    const summary = shown.join("; ");
    throw new AppError("INVALID_ARGUMENT", reason, `invalid request: ${summary}`, { violations: this.list });
  }
}
