/** Operational promises: Envoy's config validates, reflection lists every service for grpcurl. */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, it } from "node:test";
import { ADDRS, ROOT } from "../../scripts/dev/processes.js";

const stackDir = process.env.TALLY_STACK_DIR ?? `${ROOT}.stack`;

describe("operations", () => {
  it("envoy --mode validate accepts envoy/envoy.yaml, rendered as the stack renders it", () => {
    const out = execFileSync("bash", [`${ROOT}scripts/stack/stack.sh`, "envoy-validate", "envoy/envoy.yaml"], { cwd: ROOT, encoding: "utf8" });
    assert.match(out, /OK/);
  });

  const grpcurl = `${stackDir}/bin/grpcurl`;
  const expected: Record<keyof typeof ADDRS, string[]> = {
    // ApiKeyVerificationService is internal (service credentials only, no REST route), but reflected like the rest.
    campaign: [
      "grpc.health.v1.Health",
      "tally.campaign.v1.CampaignService",
      "tally.identity.v1.ApiKeyVerificationService",
      "tally.identity.v1.IdentityService",
    ],
    ingestion: ["grpc.health.v1.Health", "tally.ingestion.v1.IngestionService"],
    // CampaignSpendService is internal too (service credentials only; GetCampaign's spend).
    analytics: ["grpc.health.v1.Health", "tally.analytics.v1.AnalyticsService", "tally.analytics.v1.CampaignSpendService"],
  };
  for (const [service, addr] of Object.entries(ADDRS) as [keyof typeof ADDRS, string][]) {
    it(`grpcurl -plaintext ${service} list works through reflection`, () => {
      assert.ok(existsSync(grpcurl), `grpcurl missing at ${grpcurl}; scripts/stack/stack.sh install envoy (it brings grpcurl)`);
      const out = execFileSync(grpcurl, ["-plaintext", addr, "list"], { encoding: "utf8" });
      assert.deepEqual(out.trim().split("\n").sort(), expected[service]);
      // describe resolves every message of the service, google.protobuf.Timestamp included.
      const described = execFileSync(grpcurl, ["-plaintext", addr, "describe", expected[service].at(-1)!], { encoding: "utf8" });
      assert.match(described, /rpc \w+/);
      const health = execFileSync(grpcurl, ["-plaintext", addr, "grpc.health.v1.Health/Check"], { encoding: "utf8" });
      assert.match(health, /"status": "SERVING"/);
    });
  }
});
