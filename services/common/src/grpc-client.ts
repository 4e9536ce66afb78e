import { credentials, Metadata, type Client, type ChannelOptions, type ServiceError } from "@grpc/grpc-js";
import { REQUEST_ID_HEADER } from "./rpc.js";
import { injectTraceContext } from "./rpc-tracing.js";

/**
 * Channel options for service-to-service clients: transparent retries on UNAVAILABLE
 * (grpc-js honours the service config retry policy) and keepalive.
 */
export function clientOptions(serviceName: string): ChannelOptions {
  return {
    "grpc.service_config": JSON.stringify({
      methodConfig: [
        {
          name: [{ service: serviceName }],
          retryPolicy: {
            maxAttempts: 4,
            initialBackoff: "0.1s",
            maxBackoff: "1s",
            backoffMultiplier: 2,
            retryableStatusCodes: ["UNAVAILABLE"],
          },
        },
      ],
    }),
    "grpc.enable_retries": 1,
    "grpc.keepalive_time_ms": 30_000,
  };
}

export function createClient<C extends Client>(
  Ctor: new (address: string, creds: ReturnType<typeof credentials.createInsecure>, options?: ChannelOptions) => C,
  address: string,
  serviceName: string,
): C {
  return new Ctor(address, credentials.createInsecure(), clientOptions(serviceName));
}

/**
 * Metadata of a service-to-service call: the service token, the request id of the call being
 * served (the callee logs it too) and the active trace context (traceparent; none when tracing is off).
 */
export function callMetadata(token: string, requestId?: string): Metadata {
  const md = new Metadata();
  md.set("authorization", `Bearer ${token}`);
  if (requestId) md.set(REQUEST_ID_HEADER, requestId);
  return injectTraceContext(md);
}

type UnaryMethod<Req, Res> = (req: Req, md: Metadata, options: { deadline: Date }, callback: (err: ServiceError | null, res: Res) => void) => unknown;

/** Calls a generated unary client method as a promise, with a deadline. */
export function unaryCall<Req, Res>(method: UnaryMethod<Req, Res>, req: Req, md: Metadata, timeoutMs: number): Promise<Res> {
  return new Promise((resolve, reject) => {
    method(req, md, { deadline: new Date(Date.now() + timeoutMs) }, (err, res) => (err ? reject(err) : resolve(res)));
  });
}
