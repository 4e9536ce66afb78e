/**
 * The one input boundary (DESIGN §2): every RPC's request passes through checkRequest before its
 * handler (rpc.ts wires it for unary calls, each client-stream message and server-stream
 * requests). It is driven by the contract itself, the buf-built descriptor set, so every field of
 * every request is bounded by the rules in input-caps.ts without a hand-written list per RPC.
 */
import { readFileSync } from "node:fs";
import { createFileRegistry, fromBinary, type DescMessage, type FileRegistry } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { AppError, Violations, type FieldViolation } from "../errors.js";
import { DESCRIPTOR_SET_PATH } from "../grpc-server.js";
import { createBodyFieldCheck } from "./body-fields.js";
import { INPUT_CAPS, type InputCaps } from "./input-caps.js";
import { MessageWalker, ViolationSink } from "./message-walker.js";
import { UndecodableRequest } from "./undecodable-request.js";

export interface InputBoundary {
  /**
   * Throws AppError INVALID_ARGUMENT with a BadRequest violation for every bad field of the
   * request (`/`-separated full method name, e.g. `tally.campaign.v1.CampaignService/CreateCampaign`).
   * Throws a plain Error for a method the contract does not define: a wiring bug. `bodyFields` is
   * the edge's x-tally-body-fields header of a REST call (body-fields.ts).
   */
  checkRequest(method: string, request: unknown, bodyFields?: string): void;
  /** Throws unless the contract defines the method: rpc.ts calls it while wiring, so a typo fails at start-up. */
  requireMethod(method: string): void;
  /**
   * The problems of one item of an itemized list (e.g. an AdEvent, which gets its own receipt),
   * paths relative to the item; empty when it is fine.
   */
  itemProblems(typeName: string, item: unknown): FieldViolation[];
}

export function createInputBoundary(registry: FileRegistry, caps: InputCaps = INPUT_CAPS): InputBoundary {
  const walker = new MessageWalker(caps);
  const bodyFields = createBodyFieldCheck(registry);
  const inputs = new Map<string, DescMessage>();
  for (const file of registry.files) {
    for (const service of file.services) {
      for (const method of service.methods) inputs.set(`${service.typeName}/${method.name}`, method.input);
    }
  }
  const message = (typeName: string) => {
    const desc = registry.getMessage(typeName);
    if (!desc) throw new Error(`the contract has no message ${typeName}`);
    return desc;
  };

  return {
    requireMethod(method) {
      if (!inputs.has(method)) throw new Error(`the contract has no method ${method}`);
    },
    checkRequest(method, request, bodyFieldsHeader) {
      const desc = inputs.get(method);
      if (!desc) throw new Error(`the contract has no method ${method}`);
      if (request instanceof UndecodableRequest) {
        throw new AppError("INVALID_ARGUMENT", "MALFORMED_REQUEST", `the request is not a valid ${desc.typeName} message`);
      }
      const sink = new ViolationSink(caps.maxViolations);
      walker.message(desc, request, "", sink);
      const v = new Violations();
      for (const { field, description } of bodyFields.problems(method, bodyFieldsHeader, request).slice(0, caps.maxViolations)) v.add(field, description);
      for (const { field, description } of sink.result()) v.add(field, description);
      v.throwIfAny();
    },
    itemProblems(typeName, item) {
      const sink = new ViolationSink(caps.maxViolations);
      walker.message(message(typeName), item, "", sink);
      return sink.result();
    },
  };
}

/** The boundary for the contract Envoy and reflection serve (envoy/tally.binpb). */
export function loadInputBoundary(path: URL | string = DESCRIPTOR_SET_PATH, caps: InputCaps = INPUT_CAPS): InputBoundary {
  return createInputBoundary(createFileRegistry(fromBinary(FileDescriptorSetSchema, readFileSync(path))), caps);
}
