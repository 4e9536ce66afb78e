import { readFileSync } from "node:fs";
import { Server, ServerCredentials, type ServiceDefinition, type UntypedServiceImplementation } from "@grpc/grpc-js";
import { loadFileDescriptorSetFromBuffer } from "@grpc/proto-loader";
import { ReflectionService } from "@grpc/reflection";
import { HealthImplementation } from "grpc-health-check";
import type { Logger } from "./logger.js";

export const DESCRIPTOR_SET_PATH = new URL("../../../gen/tally.binpb", import.meta.url);

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
  for (const s of opts.services) server.addService(s.definition, s.implementation);

  const health = new HealthImplementation({ "": "NOT_SERVING", ...Object.fromEntries(opts.services.map((s) => [s.name, "NOT_SERVING"])) });
  health.addToServer(server);

  const descriptors = loadFileDescriptorSetFromBuffer(readFileSync(DESCRIPTOR_SET_PATH));
  new ReflectionService(descriptors, { services: opts.services.map((s) => s.name) }).addToServer(server);

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
