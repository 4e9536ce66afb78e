/**
 * Tally's TypeScript client: a promise API over the generated gRPC stubs (gen/), one entry point.
 *
 *   const tally = createTallyClient({ address: "127.0.0.1:8080", credentials: { token } });
 *   const { campaigns } = await tally.campaigns.list({ pageSize: 2 });
 *
 * - address: one host:port for every service — the Envoy edge passes native gRPC through — or
 *   `addresses` per service (campaign, ingestion, analytics; identity is served by campaign).
 * - credentials: a user access token (JWT) or an API key; both travel as `authorization: Bearer …`.
 * - Requests are partial: omitted fields take their proto defaults (`X.fromPartial`).
 * - Deadlines: `deadlineMs` per client, overridable per call; one deadline covers every retry.
 * - Retries: on UNAVAILABLE only, with exponential backoff and full jitter, and only for calls
 *   that are safe to repeat: reads (Get*, List*), ingestion (events and platform rows carry their
 *   own idempotency keys), and creates with a `request_id` — filled with a fresh UUID when the
 *   caller leaves it empty, so a retried create returns the first result instead of a duplicate.
 *   Everything else (updates, state transitions, deletes, streams) is tried once.
 * - Errors: every failure is a TallyError with the gRPC code, the ErrorInfo reason, the
 *   BadRequest field violations and the RetryInfo delay.
 */
import { randomUUID } from "node:crypto";
import * as grpc from "@grpc/grpc-js";
import { decodeStatusDetails, type DecodedStatus } from "#common/grpc-status.js";
import * as analyticsPb from "#gen/tally/analytics/v1/analytics.js";
import * as campaignPb from "#gen/tally/campaign/v1/campaign_service.js";
import * as identityPb from "#gen/tally/identity/v1/identity.js";
import * as ingestionPb from "#gen/tally/ingestion/v1/ingestion.js";

export * as analytics from "#gen/tally/analytics/v1/analytics.js";
export * as campaign from "#gen/tally/campaign/v1/campaign.js";
export * as identity from "#gen/tally/identity/v1/identity.js";
export * as ingestion from "#gen/tally/ingestion/v1/ingestion.js";
export * as events from "#gen/tally/events/v1/events.js";

// ---------------------------------------------------------------------------------------------
// Types derived from the generated service definitions: a method added to proto/ appears here
// after `npm run gen`, with no change to this file.
// ---------------------------------------------------------------------------------------------

interface MethodDefinition {
  path: string;
  requestStream: boolean;
  responseStream: boolean;
  requestSerialize: (value: any) => Buffer;
  responseDeserialize: (value: Buffer) => any;
}
type ServiceDefinition = Record<string, MethodDefinition>;

type RequestOf<M> = M extends { requestSerialize: (value: infer R) => Buffer } ? R : never;
type ResponseOf<M> = M extends { responseDeserialize: (value: Buffer) => infer R } ? R : never;

/** Every field optional, at every depth (what `fromPartial` accepts). */
export type DeepPartial<T> = T extends Date | Buffer | Uint8Array | string | number | boolean | bigint | undefined | null
  ? T
  : T extends readonly (infer U)[]
    ? DeepPartial<U>[]
    : T extends { $case: string }
      ? { [K in keyof T]?: DeepPartial<T[K]> } & { $case: T["$case"] }
      : T extends object
        ? { [K in keyof T]?: DeepPartial<T[K]> }
        : Partial<T>;

export interface CallOptions {
  /** This call's deadline (all attempts together); default: the client's deadlineMs. */
  deadlineMs?: number;
  /** Attempts after the first, for retry-safe calls; default: the client's retries. */
  retries?: number;
  /** Cancels the call (and ends a stream). */
  signal?: AbortSignal;
  /** Extra request metadata, e.g. x-request-id. */
  metadata?: Record<string, string>;
}

type Method<M> = M extends { requestStream: true; responseStream: false }
  ? (requests: AsyncIterable<DeepPartial<RequestOf<M>>> | Iterable<DeepPartial<RequestOf<M>>>, options?: CallOptions) => Promise<ResponseOf<M>>
  : M extends { requestStream: false; responseStream: true }
    ? (request?: DeepPartial<RequestOf<M>>, options?: CallOptions) => AsyncIterable<ResponseOf<M>>
    : (request?: DeepPartial<RequestOf<M>>, options?: CallOptions) => Promise<ResponseOf<M>>;

export type ServiceApi<D> = { [K in keyof D]: Method<D[K]> };

type CampaignDefinition = typeof campaignPb.CampaignServiceService;
/** `listCampaigns` → `list`, `launchCampaign` → `launch`, … */
type Short<K> = K extends `${infer V}Campaigns` ? V : K extends `${infer V}Campaign` ? V : never;
export type CampaignsApi = ServiceApi<CampaignDefinition> & { [K in keyof CampaignDefinition as Short<K>]: Method<CampaignDefinition[K]> };

export interface TallyClient {
  campaigns: CampaignsApi;
  identity: ServiceApi<typeof identityPb.IdentityServiceService>;
  ingestion: ServiceApi<typeof ingestionPb.IngestionServiceService>;
  analytics: ServiceApi<typeof analyticsPb.AnalyticsServiceService>;
  /** Replaces the credentials for the calls that follow (e.g. after register or login). */
  setCredentials(credentials: Credentials | undefined): void;
  close(): void;
}

export type Credentials = { token: string } | { apiKey: string };

export interface TallyClientOptions {
  /** host:port of the edge (Envoy passes gRPC through) or of a service; default 127.0.0.1:8080. */
  address?: string;
  /** Per-service addresses, over `address`. */
  addresses?: Partial<Record<"campaign" | "ingestion" | "analytics", string>>;
  credentials?: Credentials;
  /** TLS (system roots) instead of plaintext. */
  tls?: boolean;
  /** Default deadline per call, all attempts together; default 10 s. */
  deadlineMs?: number;
  /** Default attempts after the first for retry-safe calls; default 3. */
  retries?: number;
  /** First backoff step; default 100 ms (then ×2 up to maxBackoffMs, full jitter). */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

export type StatusName = keyof typeof grpc.status;
const STATUS_NAMES = Object.fromEntries(Object.entries(grpc.status).map(([name, code]) => [code, name])) as Record<number, StatusName>;

export class TallyError extends Error {
  override readonly name = "TallyError";
  constructor(
    /** gRPC status name, e.g. NOT_FOUND. */
    readonly code: StatusName,
    /** Numeric gRPC status. */
    readonly grpcCode: number,
    message: string,
    /** google.rpc.ErrorInfo reason (stable, e.g. CAMPAIGN_NOT_FOUND); absent when the server sent none. */
    readonly reason: string | undefined,
    /** google.rpc.BadRequest field violations. */
    readonly violations: { field: string; description: string }[],
    /** google.rpc.RetryInfo delay, e.g. on RESOURCE_EXHAUSTED. */
    readonly retryDelayMs: number | undefined,
    /** ErrorInfo metadata (ids, etags). */
    readonly metadata: Record<string, string>,
    /** The method called, e.g. /tally.campaign.v1.CampaignService/GetCampaign. */
    readonly method: string,
    /** How many attempts were made. */
    readonly attempts: number,
    /** google.rpc.PreconditionFailure violations, on FAILED_PRECONDITION (type = reason, subject = `campaigns/{id}`). */
    readonly preconditions: { type: string; subject: string; description: string }[] = [],
  ) {
    super(message);
  }

  static from(err: unknown, method: string, attempts: number): TallyError {
    if (err instanceof TallyError) return err;
    const e = err as Partial<grpc.ServiceError>;
    const grpcCode = typeof e.code === "number" ? e.code : grpc.status.UNKNOWN;
    const details: DecodedStatus = e.metadata ? decodeStatusDetails(e as grpc.ServiceError) : { violations: [], preconditions: [] };
    return new TallyError(
      STATUS_NAMES[grpcCode] ?? "UNKNOWN",
      grpcCode,
      e.details || e.message || String(err),
      details.reason,
      details.violations,
      details.retryDelayMs,
      details.metadata ?? {},
      method,
      attempts,
      details.preconditions,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// The client
// ---------------------------------------------------------------------------------------------

interface MessageFns {
  fromPartial(object: unknown): unknown;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => (clearTimeout(t), resolve()), { once: true });
  });

export function createTallyClient(options: TallyClientOptions = {}): TallyClient {
  const address = options.address ?? "127.0.0.1:8080";
  const channelCredentials = options.tls ? grpc.credentials.createSsl() : grpc.credentials.createInsecure();
  const defaults = {
    deadlineMs: options.deadlineMs ?? 10_000,
    retries: options.retries ?? 3,
    initialBackoffMs: options.initialBackoffMs ?? 100,
    maxBackoffMs: options.maxBackoffMs ?? 5_000,
  };
  let credentials = options.credentials;
  const clients = new Map<string, grpc.Client>();
  const clientFor = (target: string) => {
    let c = clients.get(target);
    if (!c) clients.set(target, (c = new grpc.Client(target, channelCredentials)));
    return c;
  };

  function metadataFor(call: CallOptions | undefined): grpc.Metadata {
    const md = new grpc.Metadata();
    if (credentials) md.set("authorization", `Bearer ${"token" in credentials ? credentials.token : credentials.apiKey}`);
    for (const [k, v] of Object.entries(call?.metadata ?? {})) md.set(k, v);
    return md;
  }

  function bind<D extends ServiceDefinition>(definition: D, messages: Record<string, unknown>, target: string): ServiceApi<D> {
    const api: Record<string, unknown> = {};
    for (const [key, def] of Object.entries(definition)) {
      const methodName = key[0]!.toUpperCase() + key.slice(1);
      // buf STANDARD lint: the request of Foo is FooRequest.
      const requestType = messages[`${methodName}Request`] as MessageFns | undefined;
      if (!requestType?.fromPartial) throw new Error(`sdk: no ${methodName}Request in the generated code of ${def.path}`);
      const fill = (partial: unknown) => {
        const msg = requestType.fromPartial(partial ?? {}) as Record<string, unknown>;
        // An empty request_id would make a retried create a second create.
        if ("requestId" in msg && msg.requestId === "") msg.requestId = randomUUID();
        return msg;
      };
      const retrySafe = !def.requestStream && !def.responseStream && (/^(get|list|ingest)/.test(key) || "requestId" in fill({}));

      if (!def.requestStream && !def.responseStream) {
        api[key] = (request?: unknown, call?: CallOptions) => unary(target, def, fill(request), retrySafe, call);
      } else if (def.requestStream && !def.responseStream) {
        api[key] = (requests: AsyncIterable<unknown> | Iterable<unknown>, call?: CallOptions) => clientStream(target, def, requests, fill, call);
      } else if (!def.requestStream && def.responseStream) {
        api[key] = (request?: unknown, call?: CallOptions) => serverStream(target, def, fill(request), call);
      } else {
        api[key] = () => {
          throw new Error(`sdk: bidirectional streams are not supported (${def.path})`);
        };
      }
    }
    return api as ServiceApi<D>;
  }

  async function unary(target: string, def: MethodDefinition, request: unknown, retrySafe: boolean, call?: CallOptions): Promise<unknown> {
    const deadline = Date.now() + (call?.deadlineMs ?? defaults.deadlineMs);
    const retries = retrySafe ? (call?.retries ?? defaults.retries) : 0;
    for (let attempt = 0; ; attempt++) {
      try {
        return await new Promise((resolve, reject) => {
          const c = clientFor(target).makeUnaryRequest(
            def.path,
            def.requestSerialize,
            def.responseDeserialize,
            request,
            metadataFor(call),
            { deadline },
            (err, res) => (err ? reject(err) : resolve(res)),
          );
          call?.signal?.addEventListener("abort", () => c.cancel(), { once: true });
        });
      } catch (err) {
        const e = TallyError.from(err, def.path, attempt + 1);
        const backoff = Math.random() * Math.min(defaults.maxBackoffMs, defaults.initialBackoffMs * 2 ** attempt);
        if (e.code !== "UNAVAILABLE" || attempt >= retries || call?.signal?.aborted || Date.now() + backoff >= deadline) throw e;
        await sleep(backoff, call?.signal);
      }
    }
  }

  function clientStream(
    target: string,
    def: MethodDefinition,
    requests: AsyncIterable<unknown> | Iterable<unknown>,
    fill: (p: unknown) => unknown,
    call?: CallOptions,
  ): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const deadline = Date.now() + (call?.deadlineMs ?? defaults.deadlineMs);
      const stream = clientFor(target).makeClientStreamRequest(
        def.path,
        def.requestSerialize,
        def.responseDeserialize,
        metadataFor(call),
        { deadline },
        (err, res) => (err ? reject(TallyError.from(err, def.path, 1)) : resolve(res)),
      );
      call?.signal?.addEventListener("abort", () => stream.cancel(), { once: true });
      (async () => {
        for await (const r of requests) {
          if (!stream.write(fill(r))) await new Promise((ok) => stream.once("drain", ok));
        }
        stream.end();
      })().catch((err) => {
        stream.cancel();
        reject(err);
      });
    });
  }

  async function* serverStream(target: string, def: MethodDefinition, request: unknown, call?: CallOptions): AsyncIterable<unknown> {
    // Live streams run until cancelled: a deadline applies only when one is given for this call.
    const deadline = call?.deadlineMs === undefined ? Infinity : Date.now() + call.deadlineMs;
    const stream = clientFor(target).makeServerStreamRequest(def.path, def.requestSerialize, def.responseDeserialize, request, metadataFor(call), {
      deadline,
    });
    const onAbort = () => stream.cancel();
    call?.signal?.addEventListener("abort", onAbort, { once: true });
    try {
      for await (const message of stream) yield message;
    } catch (err) {
      if ((err as grpc.ServiceError).code === grpc.status.CANCELLED && call?.signal?.aborted) return;
      throw TallyError.from(err, def.path, 1);
    } finally {
      call?.signal?.removeEventListener("abort", onAbort);
      stream.cancel();
    }
  }

  const at = (service: "campaign" | "ingestion" | "analytics") => options.addresses?.[service] ?? address;
  const campaigns = bind(campaignPb.CampaignServiceService, campaignPb, at("campaign")) as Record<string, unknown>;
  for (const key of Object.keys(campaignPb.CampaignServiceService)) {
    const short = /^(.*?)Campaigns?$/.exec(key)?.[1];
    if (short) campaigns[short] = campaigns[key];
  }
  return {
    campaigns: campaigns as CampaignsApi,
    identity: bind(identityPb.IdentityServiceService, identityPb, at("campaign")),
    ingestion: bind(ingestionPb.IngestionServiceService, ingestionPb, at("ingestion")),
    analytics: bind(analyticsPb.AnalyticsServiceService, analyticsPb, at("analytics")),
    setCredentials(c) {
      credentials = c;
    },
    close() {
      for (const c of clients.values()) c.close();
      clients.clear();
    },
  };
}
