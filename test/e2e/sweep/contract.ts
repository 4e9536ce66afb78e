/**
 * The sweep's view of the contract: every RPC of every tally.* service, read from the descriptor
 * set Envoy transcodes with (envoy/tally.binpb, built from proto/ by `npm run gen`), with its
 * google.api.http binding. Reading the descriptor rather than a hand list is what makes a new RPC
 * part of the sweep the moment it is added to proto/.
 */
import { readFileSync } from "node:fs";
import {
  createFileRegistry,
  fromBinary,
  fromJson,
  getOption,
  toBinary,
  type DescExtension,
  type DescField,
  type DescMessage,
  type DescMethod,
  type FileRegistry,
  type JsonValue,
} from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { ROOT } from "../../../scripts/dev/processes.js";

export type HttpVerb = "get" | "post" | "patch" | "put" | "delete";

export interface HttpBinding {
  verb: HttpVerb;
  /** e.g. /v1/campaigns/{campaign.id}; variables are proto field paths. */
  template: string;
  /**
   * The HttpRule's body: "" (no body: every non-path field is a query parameter), "*" (every
   * non-path field in the JSON body) or a top-level field name (AIP-133/134, e.g. "campaign": that
   * field is the whole JSON body, every other non-path field a query parameter).
   */
  body: string;
}

export interface Rpc {
  /** tally.campaign.v1.CampaignService/GetCampaign: the gRPC path without its leading slash. */
  id: string;
  service: string;
  name: string;
  kind: "unary" | "server_streaming" | "client_streaming" | "bidi_streaming";
  input: DescMessage;
  output: DescMessage;
  http: HttpBinding | null;
}

export interface Contract {
  registry: FileRegistry;
  rpcs: Rpc[];
  /** Encodes a proto3-JSON request into protobuf bytes (throws on JSON the mapping refuses). */
  encode(message: DescMessage, json: JsonValue): Uint8Array;
  /** google.api.field_behavior of a field (e.g. ["OUTPUT_ONLY"]). */
  behavior(field: DescField): string[];
}

const FIELD_BEHAVIOR = ["UNSPECIFIED", "OPTIONAL", "REQUIRED", "OUTPUT_ONLY", "INPUT_ONLY", "IMMUTABLE", "UNORDERED_LIST", "NON_EMPTY_DEFAULT", "IDENTIFIER"];

export function loadContract(path = `${ROOT}envoy/tally.binpb`): Contract {
  const registry = createFileRegistry(fromBinary(FileDescriptorSetSchema, readFileSync(path)));
  const httpExt = registry.getExtension("google.api.http") as DescExtension | undefined;
  const behaviorExt = registry.getExtension("google.api.field_behavior") as DescExtension | undefined;
  if (!httpExt || !behaviorExt) throw new Error(`${path} lacks google/api annotations; run npm run gen`);

  const rpcs: Rpc[] = [];
  for (const type of registry) {
    if (type.kind !== "service" || !type.typeName.startsWith("tally.")) continue;
    for (const method of type.methods) rpcs.push(rpcOf(type.typeName, method, httpExt));
  }
  rpcs.sort((a, b) => a.id.localeCompare(b.id));
  return {
    registry,
    rpcs,
    encode: (message, json) => toBinary(message, fromJson(message, json, { registry })),
    behavior: (field) => ((getOption(field as never, behaviorExt as never) as number[] | undefined) ?? []).map((n) => FIELD_BEHAVIOR[n] ?? String(n)),
  };
}

function rpcOf(service: string, method: DescMethod, httpExt: DescExtension): Rpc {
  const rule = getOption(method as never, httpExt as never) as { pattern?: { case?: string; value?: unknown }; body?: string } | undefined;
  let http: HttpBinding | null = null;
  const verb = rule?.pattern?.case;
  if (verb === "get" || verb === "post" || verb === "patch" || verb === "put" || verb === "delete") {
    http = { verb, template: String(rule!.pattern!.value), body: rule!.body ?? "" };
  }
  return { id: `${service}/${method.name}`, service, name: method.name, kind: method.methodKind, input: method.input, output: method.output, http };
}
