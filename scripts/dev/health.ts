/** Waiting for gRPC servers (grpc.health.v1) and HTTP endpoints to become ready. */
import { credentials, makeGenericClientConstructor, type ServiceError } from "@grpc/grpc-js";
import { service as healthService } from "grpc-health-check";

const HealthClient = makeGenericClientConstructor(healthService, "grpc.health.v1.Health");

/** Resolves true when the server at `address` reports SERVING for the whole server (""). */
export function checkGrpcHealth(address: string, timeoutMs = 1000): Promise<boolean> {
  const client = new HealthClient(address, credentials.createInsecure());
  return new Promise((resolve) => {
    client.check({ service: "" }, { deadline: new Date(Date.now() + timeoutMs) }, (err: ServiceError | null, res?: { status: string }) => {
      client.close();
      resolve(!err && res?.status === "SERVING");
    });
  });
}

export async function checkHttp(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
    return res.ok;
  } catch {
    return false;
  }
}

export async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what} did not become ready within ${Math.round(timeoutMs / 1000)} s`);
}
