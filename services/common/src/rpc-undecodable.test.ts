/** The RPC kit refuses an undecodable request as bad input, also where the method counts its cost. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { createTokenService, ingest } from "./auth.js";
import { UndecodableRequest } from "./input/undecodable-request.js";
import { createLogger } from "./logger.js";
import { createMetrics } from "./metrics.js";
import { createRpcKit } from "./rpc.js";

describe("RpcKit and undecodable requests", () => {
  it("answers INVALID_ARGUMENT MALFORMED_REQUEST, not a server error, when the method's cost counts the request's events", async () => {
    const tokens = createTokenService({ secret: "a-test-secret-that-is-long-enough-for-hs256" });
    const kit = createRpcKit({ logger: createLogger("test", "silent"), tokens, metrics: createMetrics("test") });
    let handled = false;
    const handler = kit.unary(
      "tally.ingestion.v1.IngestionService/IngestEvents",
      ingest,
      async () => {
        handled = true;
        return {};
      },
      { cost: (req: { events: unknown[] }) => req.events.length },
    );
    const metadata = new Metadata();
    metadata.set("authorization", `Bearer ${(await tokens.issueUserToken({ tenantId: "t", userId: "u", role: "EDITOR" })).token}`);
    const call = { request: new UndecodableRequest("index out of range"), metadata, on: () => call, sendMetadata: () => {} };
    const err = await new Promise<ServiceError | null>((resolve) => (handler as (c: unknown, cb: (e: ServiceError | null) => void) => void)(call, resolve));
    assert.equal(err?.code, status.INVALID_ARGUMENT, err?.details);
    assert.match(err!.details, /not a valid tally\.ingestion\.v1\.IngestEventsRequest message/);
    assert.equal(handled, false);
  });
});
