/**
 * Bytes that are not a protobuf message of the request type get INVALID_ARGUMENT (after
 * authentication), never INTERNAL: a throwing deserializer would make grpc-js answer a server error.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { credentials, makeGenericClientConstructor, Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { decodeStatusDetails } from "#common/grpc-status.js";
import { startCampaignHarness } from "./campaign-harness.js";

// Field 1 (name) says 5 bytes follow, but only one does.
const TRUNCATED = Buffer.from([0x0a, 0x05, 0x61]);

type Harness = Awaited<ReturnType<typeof startCampaignHarness>>;
let h: Harness;

before(async () => {
  h = await startCampaignHarness();
});
after(() => h.stop());

function sendRaw(method: string, bytes: Buffer, token?: string): Promise<ServiceError> {
  const Raw = makeGenericClientConstructor(
    {
      call: {
        path: method,
        requestStream: false,
        responseStream: false,
        requestSerialize: (b: Buffer) => b,
        requestDeserialize: (b: Buffer) => b,
        responseSerialize: (b: Buffer) => b,
        responseDeserialize: (b: Buffer) => b,
      },
    },
    "Raw",
  );
  const client = new Raw(`127.0.0.1:${h.port}`, credentials.createInsecure()) as unknown as {
    call(req: Buffer, md: Metadata, cb: (err: ServiceError | null) => void): void;
    close(): void;
  };
  const md = new Metadata();
  if (token) md.set("authorization", `Bearer ${token}`);
  return new Promise((resolve, reject) =>
    client.call(bytes, md, (err) => {
      client.close();
      if (err) resolve(err);
      else reject(new Error("expected the call to fail"));
    }),
  );
}

describe("undecodable request bytes", () => {
  it("answer INVALID_ARGUMENT MALFORMED_REQUEST to a credentialed caller", async () => {
    const { token } = await h.tokens.issueUserToken({ tenantId: "t-undecodable", userId: "u-1", role: "OWNER" });
    const err = await sendRaw("/tally.campaign.v1.CampaignService/GetCampaign", TRUNCATED, token);
    assert.equal(err.code, status.INVALID_ARGUMENT);
    assert.equal(decodeStatusDetails(err).reason, "MALFORMED_REQUEST");
    assert.equal(err.details, "the request is not a valid tally.campaign.v1.GetCampaignRequest message");
  });

  it("answer UNAUTHENTICATED without a credential: strangers learn nothing about their input", async () => {
    const err = await sendRaw("/tally.campaign.v1.CampaignService/GetCampaign", TRUNCATED);
    assert.equal(err.code, status.UNAUTHENTICATED);
  });
});
