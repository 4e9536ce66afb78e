import { readFileSync } from "node:fs";
import { Server, ServerCredentials, type ServiceDefinition, type UntypedServiceImplementation } from "@grpc/grpc-js";
import type { PackageDefinition } from "@grpc/proto-loader";
import { ReflectionService } from "@grpc/reflection";
import { HealthImplementation } from "grpc-health-check";
import { withLenientDeserializers } from "./input/undecodable-request.js";
import type { Logger } from "./logger.js";

export const DESCRIPTOR_SET_PATH = new URL("../../../envoy/tally.binpb", import.meta.url);

export interface ServiceBinding {
  /** Full proto name, e.g. `tally.campaign.v1.CampaignService` (health and reflection use it). */
  name: string;
  definition: ServiceDefinition;
  implementation: UntypedServiceImplementation;
}

export interface GrpcServer {
  server: Server;
  /** Binds and starts; port 0 picks a free port. Resolves to the bound port. */
  listen(host: string, port: number): Promise<number>;
  /** Stops accepting, lets in-flight calls finish for up to graceMs, then forces. */
  shutdown(graceMs?: number): Promise<void>;
}

/**
 * A gRPC server with grpc.health.v1 and server reflection (from the buf-built descriptor set, so
 * grpcurl needs no proto files). Built here, listening only when asked, so tests bind port 0.
 */
export function createGrpcServer(opts: { logger: Logger; services: ServiceBinding[] }): GrpcServer {
  const server = new Server({
    "grpc.max_receive_message_length": 16 * 1024 * 1024,
    "grpc.keepalive_permit_without_calls": 1,
  });
  for (const s of opts.services) server.addService(withLenientDeserializers(s.definition), s.implementation);

  const health = new HealthImplementation({ "": "NOT_SERVING", ...Object.fromEntries(opts.services.map((s) => [s.name, "NOT_SERVING"])) });
  health.addToServer(server);

  // Reflection serves the buf-built file descriptors byte for byte. (Going through proto-loader
  // rewrites type references without their leading dot, and grpcurl then cannot resolve
  // google.protobuf.Timestamp.) The reflection service only reads `fileDescriptorProtos`.
  const files = { tally: { fileDescriptorProtos: splitDescriptorSet(readFileSync(DESCRIPTOR_SET_PATH)) } } as unknown as PackageDefinition;
  const reflected = [...opts.services.map((s) => s.name), "grpc.health.v1.Health"];
  new ReflectionService(files, { services: reflected }).addToServer(server);

  const setAll = (status: "SERVING" | "NOT_SERVING") => {
    health.setStatus("", status);
    for (const s of opts.services) health.setStatus(s.name, status);
  };

  return {
    server,
    listen(host, port) {
      return new Promise((resolve, reject) => {
        server.bindAsync(`${host}:${port}`, ServerCredentials.createInsecure(), (err, bound) => {
          if (err) return reject(err);
          setAll("SERVING");
          opts.logger.info({ host, port: bound, services: opts.services.map((s) => s.name) }, "gRPC server listening");
          resolve(bound);
        });
      });
    },
    shutdown(graceMs = 10_000) {
      setAll("NOT_SERVING");
      return new Promise((resolve) => {
        const force = setTimeout(() => {
          opts.logger.warn({ graceMs }, "in-flight calls did not finish in time; forcing shutdown");
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
    },
  };
}

/**
 * The FileDescriptorProtos of a FileDescriptorSet, as raw bytes: the set is `repeated
 * FileDescriptorProto file = 1`, i.e. a sequence of (tag 0x0a, varint length, bytes).
 */
export function splitDescriptorSet(set: Buffer): Buffer[] {
  const files: Buffer[] = [];
  let i = 0;
  while (i < set.length) {
    const tag = set[i++]!;
    let length = 0;
    for (let shift = 0; ; shift += 7) {
      const b = set[i++]!;
      length += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) break;
    }
    if (tag === 0x0a) files.push(set.subarray(i, i + length));
    i += length;
  }
  return files;
}
