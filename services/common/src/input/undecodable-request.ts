/**
 * What a request deserializer returns instead of throwing. grpc-js answers a throwing deserializer
 * with INTERNAL ("Error deserializing request"), a server error for what is the client's bad input;
 * with this marker the call reaches the RPC kit, which authenticates first and then lets the input
 * boundary answer INVALID_ARGUMENT like any other bad request.
 */
export class UndecodableRequest {
  constructor(readonly reason: string) {}
}

interface Deserializing {
  requestDeserialize: (bytes: Buffer) => unknown;
}

/** A service definition whose request deserializers never throw. */
export function withLenientDeserializers<D extends Record<string, Deserializing>>(definition: D): D {
  const out: Record<string, Deserializing> = {};
  for (const [name, method] of Object.entries(definition)) {
    const decode = method.requestDeserialize;
    out[name] = {
      ...method,
      requestDeserialize(bytes: Buffer) {
        try {
          return decode(bytes);
        } catch (err) {
          return new UndecodableRequest(err instanceof Error ? err.message : String(err));
        }
      },
    };
  }
  return out as D;
}
