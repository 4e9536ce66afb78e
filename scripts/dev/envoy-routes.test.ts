/**
 * envoy/local-reply.lua answers 405 with `Allow` from its own table of REST routes (Lua in Envoy
 * cannot read the OpenAPI document). This keeps the table equal to openapi/tally.openapi.json
 * (generated from proto/ by npm run gen): a new route, or a new method on a path, fails here until
 * the table says so too.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { it } from "node:test";

const ROOT = new URL("../../", import.meta.url);

it("local-reply.lua's REST_ROUTES are the OpenAPI document's paths and methods", () => {
  const lua = readFileSync(new URL("envoy/local-reply.lua", ROOT), "utf8");
  const table = /local REST_ROUTES = \{([\s\S]*?)\n\}/.exec(lua)?.[1] ?? "";
  // Path variables are matched by position, not by name: compare shapes.
  const shape = (path: string) => path.replace(/\{[^}]+\}/g, "{}");
  const fromLua = new Map<string, string>();
  for (const m of table.matchAll(/\{ "([^"]+)", "([^"]+)" \}/g)) {
    fromLua.set(shape(m[1]!), m[2]!.split(", ").sort().join(", "));
  }
  const doc = JSON.parse(readFileSync(new URL("openapi/tally.openapi.json", ROOT), "utf8")) as { paths: Record<string, Record<string, unknown>> };
  const fromDoc = new Map<string, Set<string>>();
  for (const [path, ops] of Object.entries(doc.paths)) {
    if (!path.startsWith("/v1/")) continue; // /openapi.json is a direct response, not transcoded
    const methods = fromDoc.get(shape(path)) ?? new Set<string>();
    for (const m of Object.keys(ops)) if (["get", "post", "patch", "delete", "put"].includes(m)) methods.add(m.toUpperCase());
    fromDoc.set(shape(path), methods);
  }
  assert.deepEqual(Object.fromEntries([...fromLua].sort()), Object.fromEntries([...fromDoc].map(([p, m]) => [p, [...m].sort().join(", ")] as const).sort()));
});
