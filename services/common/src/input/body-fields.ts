/**
 * What Envoy's transcoder cannot say: which JSON fields a REST body named. It silently drops a key
 * the target message lacks, so `{"campaign":{…}}` sent where the body *is* the campaign (AIP-133)
 * would create or update nothing but answer 200, and an update whose mask names a field the body
 * left out would clear that field. The edge (envoy/rest-request.lua) lists the body's key paths in
 * the x-tally-body-fields header; this module refuses, with a violation naming each:
 *   - a path the body's message does not define (unknown field);
 *   - an update_mask path whose field the body does not carry (an update clears only on purpose:
 *     `{"description": ""}` clears, a missing key is refused).
 * Native gRPC calls carry no header and are unaffected: their messages are what the client built.
 */
import { getExtension, hasExtension, type DescField, type DescMessage, type FileRegistry } from "@bufbuild/protobuf";
import type { FieldViolation } from "../errors.js";

export const BODY_FIELDS_HEADER = "x-tally-body-fields";

/** The edge cut the list (a map with many keys): paths after the cut were not checked. */
const CUT_MARKER = "...";
/** The body was an empty object. */
const EMPTY_MARKER = "-";

/** Message types whose JSON form is free: any key inside is fine. */
const FREE_FORM = new Set(["google.protobuf.Struct", "google.protobuf.Value", "google.protobuf.Any"]);

interface Binding {
  /** The message the JSON body maps to. */
  body: DescMessage;
  /** The request field the body fills (`campaign.`), or "" for `body: "*"`. */
  prefix: string;
}

export interface BodyFieldCheck {
  /** The violations of one REST request; `header` is the x-tally-body-fields value, if any. */
  problems(method: string, header: string | undefined, request: unknown): FieldViolation[];
}

const decode = (segment: string) => {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
};

const fieldNamed = (message: DescMessage, name: string): DescField | undefined => message.fields.find((f) => f.name === name || f.jsonName === name);

/** The body binding of every method with a `google.api.http` body, by `/`-separated method name. */
function bindings(registry: FileRegistry): Map<string, Binding> {
  const out = new Map<string, Binding>();
  const http = registry.getExtension("google.api.http");
  if (!http) return out;
  for (const file of registry.files) {
    for (const service of file.services) {
      for (const method of service.methods) {
        const options = method.proto.options;
        if (!options || !hasExtension(options, http)) continue;
        const body = (getExtension(options, http) as { body?: string }).body ?? "";
        if (body === "") continue;
        if (body === "*") {
          out.set(`${service.typeName}/${method.name}`, { body: method.input, prefix: "" });
          continue;
        }
        const field = fieldNamed(method.input, body);
        if (field?.message) out.set(`${service.typeName}/${method.name}`, { body: field.message, prefix: `${field.name}.` });
      }
    }
  }
  return out;
}

/** Whether a key path (`events[].type`, percent-encoded keys) names fields `message` defines. */
function resolves(message: DescMessage, path: string): boolean {
  let current: DescMessage | undefined = message;
  for (const raw of path.split(".")) {
    if (!current) return false;
    if (FREE_FORM.has(current.typeName)) return true;
    const field = fieldNamed(current, decode(raw.replace(/(\[\])+$/, "")));
    if (!field) return false;
    if (field.fieldKind === "map") return true;
    current = field.message;
  }
  return true;
}

function maskPaths(request: unknown): string[] {
  const mask = (request as { updateMask?: unknown }).updateMask;
  if (Array.isArray(mask)) return mask.filter((p): p is string => typeof p === "string");
  const paths = (mask as { paths?: unknown } | undefined)?.paths;
  return Array.isArray(paths) ? paths.filter((p): p is string => typeof p === "string") : [];
}

export function createBodyFieldCheck(registry: FileRegistry): BodyFieldCheck {
  const byMethod = bindings(registry);
  return {
    problems(method, header, request) {
      const binding = byMethod.get(method);
      if (header === undefined || !binding) return [];
      const listed = header === EMPTY_MARKER ? [] : header.split(",").filter((p) => p !== "");
      const cut = listed.includes(CUT_MARKER);
      const paths = listed.filter((p) => p !== CUT_MARKER);
      const out: FieldViolation[] = [];
      const unknown: string[] = [];
      for (const path of paths) {
        // Inside an unknown field everything is unknown: name only the outermost.
        if (unknown.some((u) => path.startsWith(`${u}.`) || path.startsWith(`${u}[]`))) continue;
        if (resolves(binding.body, path)) continue;
        unknown.push(path);
        const shown = decode(path).slice(0, 64);
        const wrapped = binding.prefix !== "" && `${shown}.` === binding.prefix;
        out.push({
          field: `${binding.prefix}${shown}`,
          description: wrapped
            ? `unknown field: the body is the ${binding.body.name} itself (AIP-133/134); send its fields at the top level, not inside "${shown}"`
            : `unknown field of ${binding.body.typeName}`,
        });
      }
      if (binding.prefix === "" || cut) return out;
      const sent = new Set(paths.map((p) => fieldNamed(binding.body, decode(p.split(".")[0]!.replace(/(\[\])+$/, "")))?.name).filter(Boolean));
      for (const maskPath of maskPaths(request)) {
        if (maskPath === "*") continue;
        const field = fieldNamed(binding.body, maskPath.split(".")[0]!);
        // A mask path naming no field is the service's own INVALID_ARGUMENT; here only absence counts.
        if (field && !sent.has(field.name)) {
          out.push({
            field: "update_mask",
            description: `names ${JSON.stringify(field.name)}, which the body does not set; send it (an empty value clears it) or leave it out of the mask`,
          });
        }
      }
      return out;
    },
  };
}
