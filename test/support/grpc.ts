/** Promise helpers for calling generated grpc-js clients in tests. */
import { credentials, Metadata, type Client, type ServiceError } from "@grpc/grpc-js";
import { decodeStatusDetails, type DecodedStatus } from "#common/grpc-status.js";

// The last overload of every generated unary method: (request, metadata, options, callback).
type Unary<Req, Res> = (req: Req, md: Metadata, options: object, cb: (err: ServiceError | null, res: Res) => void) => unknown;

export function connect<C extends Client>(Ctor: new (addr: string, creds: ReturnType<typeof credentials.createInsecure>) => C, port: number): C {
  return new Ctor(`127.0.0.1:${port}`, credentials.createInsecure());
}

export function authMd(token?: string): Metadata {
  const md = new Metadata();
  if (token) md.set("authorization", `Bearer ${token}`);
  return md;
}

/** Calls a unary method; resolves with the response or rejects with the ServiceError. */
export function call<Req, Res>(client: Client, method: Unary<Req, Res>, req: Req, token?: string): Promise<Res> {
  return new Promise((resolve, reject) => method.call(client, req, authMd(token), {}, (err, res) => (err ? reject(err) : resolve(res))));
}

export interface CallFailure extends DecodedStatus {
  code: number;
  message: string;
}

/** Calls a method that must fail; resolves with its code and decoded details. */
export async function callError<Req, Res>(client: Client, method: Unary<Req, Res>, req: Req, token?: string): Promise<CallFailure> {
  try {
    await call(client, method, req, token);
  } catch (err) {
    const e = err as ServiceError;
    return { code: e.code, message: e.details, ...decodeStatusDetails(e) };
  }
  throw new Error("expected the call to fail, but it succeeded");
}
