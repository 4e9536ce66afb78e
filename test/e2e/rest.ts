/** A small REST client for e2e tests: JSON through Envoy, as any REST user would call Tally. */
import { stack } from "../support/stack.js";

export interface RestResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export async function rest<T = any>(method: string, path: string, opts: { token?: string; body?: unknown } = {}): Promise<RestResponse<T>> {
  const res = await fetch(`${stack.envoyUrl}${path}`, {
    method,
    headers: { "content-type": "application/json", ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}) },
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    // Not JSON (e.g. an Envoy-generated error): keep the text for the assertion message.
  }
  return { status: res.status, body: body as T, headers: res.headers };
}

/** Polls until `check` returns a value (or the timeout passes), for eventually-visible data. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} did not happen within ${timeoutMs} ms${last ? `: ${String(last)}` : ""}`);
}
