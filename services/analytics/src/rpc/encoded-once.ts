/**
 * A cached insights answer is one immutable report object, served again and again (the insights
 * cache keeps decoded reports in process). Converting it to the proto message and encoding that
 * is most of what a cache hit costs this process, and both depend only on the object: each is done
 * once per object and remembered beside it (WeakMaps, so they go when the cache drops the report).
 */
import type { ServiceDefinition } from "@grpc/grpc-js";

/** `convert`, computed once per input object. */
export function convertedOnce<In extends object, Out>(convert: (value: In) => Out): (value: In) => Out {
  const done = new WeakMap<In, Out>();
  return (value) => {
    let out = done.get(value);
    if (out === undefined) {
      out = convert(value);
      done.set(value, out);
    }
    return out;
  };
}

/**
 * The service definition with the named methods' responses serialized once per response object.
 * Only for methods whose handlers never mutate a response object after returning it.
 */
export function withResponsesEncodedOnce<D extends ServiceDefinition>(definition: D, methods: (keyof D)[]): D {
  const out = { ...definition };
  for (const name of methods) {
    const method = definition[name]!;
    out[name] = { ...method, responseSerialize: convertedOnce(method.responseSerialize as (value: object) => Buffer) } as D[keyof D];
  }
  return out;
}
