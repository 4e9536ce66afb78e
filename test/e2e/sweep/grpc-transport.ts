/**
 * gRPC: raw protobuf bytes with a generic grpc-js client, so that bytes a generated client would
 * never produce (invalid UTF-8, undecodable messages) can be sent, for every kind of RPC.
 */
import { Client, credentials, Metadata, type ServiceError } from "@grpc/grpc-js";
import { fromBinary, toJson, type DescMessage, type JsonValue } from "@bufbuild/protobuf";
import type { Contract, Rpc } from "./contract.js";
import { CODE_NAMES, STREAM_FIRST_MESSAGE_MS, TIMEOUT_MS, withBadUtf8, type Outcome, type Wire } from "./transports.js";

export class GrpcTransport {
  constructor(
    private contract: Contract,
    private addressOf: (rpc: Rpc) => string,
  ) {}

  /**
   * One connection per case: an answer that breaks its HTTP/2 connection (e.g. a status message
   * over the header limit) must fail only the case that caused it, not the ones sharing the channel.
   */
  private client(rpc: Rpc): Client {
    return new Client(this.addressOf(rpc), credentials.createInsecure(), { "grpc.use_local_subchannel_pool": 1 });
  }

  /** Null when the request cannot be expressed in protobuf (e.g. 2^63 in an int64, a wrong JSON type). */
  encode(rpc: Rpc, wire: Wire): Buffer | null {
    if (wire.rawGrpc) return wire.rawGrpc;
    if (!wire.json) return null;
    try {
      return withBadUtf8(Buffer.from(this.contract.encode(rpc.input, wire.json)));
    } catch {
      return null;
    }
  }

  async send(rpc: Rpc, bytes: Buffer, token: string | undefined): Promise<Outcome> {
    const client = this.client(rpc);
    try {
      return await this.call(client, rpc, bytes, token);
    } finally {
      client.close();
    }
  }

  private call(client: Client, rpc: Rpc, bytes: Buffer, token: string | undefined): Promise<Outcome> {
    const md = new Metadata();
    if (token !== undefined) md.set("authorization", `Bearer ${token}`);
    const path = `/${rpc.id}`;
    const id = (b: Buffer) => b;
    const options = { deadline: new Date(Date.now() + TIMEOUT_MS) };
    const done = (err: ServiceError | null, res?: Buffer): Outcome =>
      err
        ? { transport: "grpc", code: CODE_NAMES[err.code] ?? String(err.code), message: String(err.details ?? "").slice(0, 160) }
        : { transport: "grpc", code: "OK", body: res ? this.decode(rpc.output, res) : undefined };
    if (rpc.kind === "unary") {
      return new Promise((resolve) => client.makeUnaryRequest(path, id, id, bytes, md, options, (err, res) => resolve(done(err, res))));
    }
    if (rpc.kind === "client_streaming") {
      return new Promise((resolve) => {
        const call = client.makeClientStreamRequest(path, id, id, md, options, (err, res) => resolve(done(err, res)));
        call.write(bytes);
        call.end();
      });
    }
    // Server streaming: the first message (or the error) decides; then the client hangs up.
    return new Promise((resolve) => {
      const call = client.makeServerStreamRequest(path, id, id, bytes, md, options);
      let settled = false;
      const settle = (o: Outcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        call.cancel();
        resolve(o);
      };
      const timer = setTimeout(
        () => settle({ transport: "grpc", code: "NO_FIRST_MESSAGE", message: `nothing within ${STREAM_FIRST_MESSAGE_MS} ms` }),
        STREAM_FIRST_MESSAGE_MS,
      );
      call.on("data", (res: Buffer) => settle(done(null, res)));
      call.on("error", (err: ServiceError) => settle(done(err)));
      call.on("end", () => settle({ transport: "grpc", code: "OK" }));
    });
  }

  private decode(message: DescMessage, bytes: Buffer): JsonValue {
    try {
      return toJson(message, fromBinary(message, bytes), { registry: this.contract.registry, alwaysEmitImplicit: true });
    } catch (err) {
      return { undecodable: String(err) };
    }
  }

  close(): void {}
}
