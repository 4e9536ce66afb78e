import { randomUUID } from "node:crypto";
import { Metadata, status, type handleClientStreamingCall, type handleServerStreamingCall, type handleUnaryCall } from "@grpc/grpc-js";
import { authorize, type Policy, type Principal, type TokenService } from "./auth.js";
import { AppError, unimplemented } from "./errors.js";
import { toServiceError } from "./grpc-status.js";
import { BODY_FIELDS_HEADER } from "./input/body-fields.js";
import { loadInputBoundary, type InputBoundary } from "./input/input-boundary.js";
import { UndecodableRequest } from "./input/undecodable-request.js";
import type { Logger } from "./logger.js";
import type { Metrics } from "./metrics.js";
import { budgetOf, rateLimitHeaders, type Budget, type RateDecision, type RateLimiter } from "./rate-limit/rate-limit.js";
import { startRpcSpan, type RpcSpan } from "./rpc-tracing.js";
import { TRACING_OFF, type Tracing } from "./tracing.js";

/** What a handler knows about its call besides the request. */
export interface RpcContext {
  /** Null only for public methods. */
  principal: Principal | null;
  requestId: string;
  logger: Logger;
  /** Aborted when the client cancels or the deadline passes. */
  signal: AbortSignal;
  /** The call's rate-limit answer, sent back as RateLimit-* headers; null when not limited. */
  rateLimit: RateDecision | null;
  /** The first value of a request header (gRPC metadata; through Envoy, the HTTP request's headers). */
  header(name: string): string | undefined;
  /** Headers the handler adds to a successful response (e.g. etag, cache-control); sent with the message. */
  responseHeaders: Record<string, string> | null;
}

export interface AuthedContext extends RpcContext {
  principal: Principal;
}

type Ctx<P extends Policy> = P extends { readonly public: true } ? RpcContext : AuthedContext;

/** What a call costs its credential's rate budget (rate-limit/rate-limit.ts): 1 unless the method says. */
export interface CallOptions<Req> {
  /** Ingest methods count events: a batch costs its size. Client streams pay per message. */
  cost?: (req: Req) => number;
}

/**
 * Wraps domain-level handlers into grpc-js handlers: request id, authentication and authorization
 * by policy, one log line per call, duration metrics, and the one error mapper.
 */
export interface RpcKit {
  unary<Req, Res, P extends Policy>(
    method: string,
    policy: P,
    fn: (req: Req, ctx: Ctx<P>) => Promise<Res>,
    options?: CallOptions<Req>,
  ): handleUnaryCall<Req, Res>;
  serverStream<Req, Res, P extends Policy>(
    method: string,
    policy: P,
    fn: (req: Req, ctx: Ctx<P>, send: (res: Res) => Promise<void>) => Promise<void>,
  ): handleServerStreamingCall<Req, Res>;
  clientStream<Req, Res, P extends Policy>(
    method: string,
    policy: P,
    fn: (requests: AsyncIterable<Req>, ctx: Ctx<P>) => Promise<Res>,
    options?: CallOptions<Req>,
  ): handleClientStreamingCall<Req, Res>;
  unimplemented<Req = unknown, Res = unknown>(method: string): handleUnaryCall<Req, Res>;
  /** The input boundary every request passes; handlers use it for itemized lists (per-event receipts). */
  input: InputBoundary;
}

export const REQUEST_ID_HEADER = "x-request-id";

/** Response headers: the request id, and the rate limit's state when the call was limited. */
function responseMetadata(ctx: RpcContext): Metadata {
  const md = new Metadata();
  md.set(REQUEST_ID_HEADER, ctx.requestId);
  if (ctx.rateLimit) for (const [name, value] of Object.entries(rateLimitHeaders(ctx.rateLimit))) md.set(name, value);
  if (ctx.responseHeaders) for (const [name, value] of Object.entries(ctx.responseHeaders)) md.set(name, value);
  return md;
}

const rateLimited = (budget: Budget, d: RateDecision) =>
  new AppError(
    "RESOURCE_EXHAUSTED",
    "RATE_LIMITED",
    `rate limit exceeded: this credential's ${budget} budget (burst ${d.limit}) is spent; retry in ${Math.max(1, Math.ceil(d.retryAfterMs / 1000))} s`,
    {
      retryAfterMs: d.retryAfterMs,
      metadata: { budget, limit: String(d.limit) },
    },
  );

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
  });
/** A call's context as the kit holds it: with its span (rpc-tracing.ts), ended in finish(). */
interface OpenCall extends RpcContext {
  span: RpcSpan;
  /** Set by finish(): a "cancelled" after that is the stream closing, not the client giving up. */
  done: boolean;
  /** Adds log bindings, to the call's logger once it exists, else to the bindings it will start with. */
  bind(bindings: Record<string, string>): void;
}

/** The part of every grpc-js server call that open() and admit() need. */
interface SurfaceCall {
  metadata: Metadata;
  sendMetadata(md: Metadata): void;
  on(event: "cancelled", listener: () => void): unknown;
}

/**
 * What a request costs its rate budget. An undecodable one (input/undecodable-request.ts) has no
 * fields for a method's cost function to count: it costs 1, and the input boundary refuses it.
 */
function costOf<Req>(cost: ((req: Req) => number) | undefined, request: unknown): number {
  return cost && !(request instanceof UndecodableRequest) ? cost(request as Req) : 1;
}

export function createRpcKit(deps: {
  logger: Logger;
  tokens: TokenService;
  metrics: Metrics;
  input?: InputBoundary;
  limiter?: RateLimiter;
  tracing?: Tracing;
}): RpcKit {
  const { logger, tokens, metrics, limiter } = deps;
  const tracing = deps.tracing ?? TRACING_OFF;
  const input = deps.input ?? loadInputBoundary();

  /** The input boundary, after authentication: strangers learn nothing, not even what input is bad. */
  function checked<C>(method: string, request: unknown, ctx: C, metadata?: Metadata): C {
    const bodyFields = metadata?.get(BODY_FIELDS_HEADER)[0];
    input.checkRequest(method, request, typeof bodyFields === "string" ? bodyFields : undefined);
    return ctx;
  }

  /**
   * Each client-stream message passes the boundary, and pays its cost, before the handler sees it.
   * A stream over its budget is slowed, not failed: the next message is read once the bucket holds
   * its cost (HTTP/2 flow control pushes back on the client), so a long stream keeps its receipts.
   */
  async function* checkedStream<Req>(
    method: string,
    requests: AsyncIterable<Req>,
    ctx: RpcContext,
    policy: Policy,
    cost: (req: Req) => number,
  ): AsyncIterable<Req> {
    for await (const req of requests) {
      while (!ctx.signal.aborted) {
        const d = await take(ctx, policy, costOf(cost, req));
        if (!d || d.allowed) break;
        await sleep(d.retryAfterMs, ctx.signal);
      }
      yield checked(method, req, req);
    }
  }

  /** One Redis round trip; null when the call is not limited (service credentials, limits off, Redis down). */
  async function take(ctx: RpcContext, policy: Policy, cost: number): Promise<RateDecision | null> {
    const budget = budgetOf(policy);
    if (!limiter || !budget || !ctx.principal) return null;
    ctx.rateLimit = await limiter.take(ctx.principal, budget, Math.max(1, cost));
    return ctx.rateLimit;
  }

  /**
   * Request id, logger and cancellation: everything a call has before auth. Nothing is sent yet:
   * response headers go out with the first message (admitted and validated by then), and an
   * error before it is a trailers-only response, which Envoy turns into the right HTTP status.
   * Headers sent earlier would commit a REST stream to 200 with the error in its body.
   */
  function open(method: string, call: SurfaceCall): OpenCall {
    const incoming = call.metadata.get(REQUEST_ID_HEADER)[0];
    const requestId = typeof incoming === "string" && /^[\w.-]{1,100}$/.test(incoming) ? incoming : randomUUID();
    const controller = new AbortController();
    // The call's logger is made when first used: a cached read that logs nothing (the usual case
    // at info level) skips the pino child and its bindings (~4% of such a call's CPU).
    const bindings: Record<string, string> = { rpc: method, requestId };
    let log: Logger | null = null;
    const ctx: OpenCall = {
      principal: null,
      requestId,
      get logger() {
        return (log ??= logger.child(bindings));
      },
      bind(more) {
        if (log) log.setBindings(more);
        else Object.assign(bindings, more);
      },
      done: false,
      signal: controller.signal,
      rateLimit: null,
      header: (name) => {
        const value = call.metadata.get(name)[0];
        return typeof value === "string" ? value : undefined;
      },
      responseHeaders: null,
      span: { run: (fn) => fn(), end: () => undefined },
    };
    // With tracing on, the logger gains the trace id (and so is made now); off, it is not touched.
    if (tracing.enabled) ctx.span = startRpcSpan(tracing, method, call.metadata, requestId, ctx.logger);
    // grpc-js reports "cancelled" also when a finished call's stream closes; aborting then would
    // only build an AbortError nobody reads (~3% of a cached read's CPU).
    call.on("cancelled", () => {
      if (!ctx.done) controller.abort();
    });
    return ctx;
  }

  /** Sends the response headers (request id, rate limit) once, right before the first message. */
  function headersOnce(call: SurfaceCall, ctx: RpcContext): () => void {
    let sent = false;
    return () => {
      if (sent) return;
      sent = true;
      call.sendMetadata(responseMetadata(ctx));
    };
  }

  /**
   * Authenticates and authorizes by policy (the tenant joins the call's log bindings), then takes
   * `cost` from the credential's rate budget: RESOURCE_EXHAUSTED with RetryInfo when it is spent.
   * null cost: charged later (client streams pay per message).
   */
  async function admit(ctx: RpcContext, policy: Policy, call: SurfaceCall, cost: number | null): Promise<RpcContext> {
    if ("public" in policy) return ctx;
    const auth = call.metadata.get("authorization")[0];
    const principal = await tokens.authenticate(typeof auth === "string" ? auth : undefined);
    authorize(principal, policy);
    ctx.principal = principal;
    (ctx as OpenCall).bind({ tenantId: principal.tenantId });
    if (cost !== null) {
      const d = await take(ctx, policy, cost);
      if (d && !d.allowed) throw rateLimited(budgetOf(policy)!, d);
    }
    return ctx;
  }

  function finish(method: string, ctx: OpenCall, started: bigint, err: unknown) {
    ctx.done = true;
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (err === null) {
      ctx.span.end(status.OK, ctx.principal?.tenantId);
      metrics.rpcDuration.observe({ method, code: "OK" }, seconds);
      if (logger.isLevelEnabled("debug")) ctx.logger.debug({ ms: Math.round(seconds * 1000) }, "rpc ok");
      return null;
    }
    const log = ctx.logger;
    const mapped = toServiceError(err, log);
    // Trailers-only when nothing was sent yet: the request id and the rate limit travel with the
    // status, and Envoy turns them into the HTTP headers of the error (429 with Retry-After).
    mapped.metadata?.merge(responseMetadata(ctx));
    const code = status[mapped.code ?? status.UNKNOWN] ?? "UNKNOWN";
    ctx.span.end(mapped.code ?? status.UNKNOWN, ctx.principal?.tenantId);
    metrics.rpcDuration.observe({ method, code }, seconds);
    log.info({ ms: Math.round(seconds * 1000), code, reason: err instanceof AppError ? err.reason : "INTERNAL" }, "rpc failed");
    return mapped;
  }

  return {
    input,

    unary(method, policy, fn, options = {}) {
      input.requireMethod(method);
      return (call, callback) => {
        const started = process.hrtime.bigint();
        const ctx = open(method, call);
        admit(ctx, policy, call, costOf(options.cost, call.request))
          .then((c) => ctx.span.run(() => fn(call.request, checked(method, call.request, c, call.metadata) as never)))
          .then(
            (res) => {
              finish(method, ctx, started, null);
              call.sendMetadata(responseMetadata(ctx));
              callback(null, res);
            },
            (err) => callback(finish(method, ctx, started, err)),
          );
      };
    },

    serverStream(method, policy, fn) {
      input.requireMethod(method);
      return (call) => {
        const started = process.hrtime.bigint();
        const ctx = open(method, call);
        const sendHeaders = headersOnce(call, ctx);
        const send = (res: Parameters<typeof call.write>[0]) =>
          new Promise<void>((resolve) => {
            if (call.cancelled || call.destroyed) return resolve();
            sendHeaders();
            // Respect back-pressure: wait for drain when the buffer is full.
            if (call.write(res)) resolve();
            else call.once("drain", () => resolve());
          });
        admit(ctx, policy, call, 1)
          .then((c) => ctx.span.run(() => fn(call.request, checked(method, call.request, c) as never, send as never)))
          .then(
            () => {
              finish(method, ctx, started, null);
              sendHeaders();
              call.end();
            },
            (err) => {
              const mapped = finish(method, ctx, started, err);
              if (mapped && !call.cancelled) call.emit("error", mapped);
            },
          );
      };
    },

    clientStream(method, policy, fn, options = {}) {
      input.requireMethod(method);
      const cost = options.cost ?? (() => 1);
      return (call, callback) => {
        const started = process.hrtime.bigint();
        const ctx = open(method, call);
        admit(ctx, policy, call, null)
          .then((c) => ctx.span.run(() => fn(checkedStream(method, call as AsyncIterable<never>, c, policy, cost), c as never)))
          .then(
            (res) => {
              finish(method, ctx, started, null);
              call.sendMetadata(responseMetadata(ctx));
              callback(null, res);
            },
            (err) => callback(finish(method, ctx, started, err)),
          );
      };
    },

    unimplemented<Req, Res>(method: string): handleUnaryCall<Req, Res> {
      // Still authenticated: an unimplemented method must not tell strangers anything either.
      return this.unary<Req, Res, Policy>(method, { role: "VIEWER" }, async () => {
        throw unimplemented(method);
      });
    },
  };
}
