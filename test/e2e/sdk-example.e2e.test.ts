/**
 * The TypeScript SDK against the running stack: `npm run example` (sdk/examples/quickstart.ts) end
 * to end through the edge's gRPC pass-through, and the client's errors, retries and deadlines.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import { createTallyClient, TallyError } from "../../sdk/index.js";
import { closedPort } from "../support/envoy.js";
import { stack, uniqueName } from "../support/stack.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const edgeAddress = new URL(stack.envoyUrl).host;

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 90_000);
    child.on("error", reject);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe("SDK", () => {
  it("npm run example registers, creates and launches a campaign, ingests, and prints the insights", async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH}`, TALLY_ADDRESS: edgeAddress };
    delete env.TALLY_TOKEN;
    delete env.TALLY_API_KEY;
    const r = await run("npm", ["run", "--silent", "example"], env);
    assert.equal(r.code, 0, `example failed:\n${r.stdout}\n${r.stderr}`);
    const lines = r.stdout.trim().split("\n");
    assert.match(lines[0]!, /^registered quickstart-[0-9a-f]{8}@example\.com \(organization [0-9a-f-]{36}\)$/);
    assert.match(lines[1]!, /^campaign [0-9a-f-]{36} CAMPAIGN_STATUS_ACTIVE$/);
    assert.deepEqual(lines.slice(2), [
      "ingested: accepted 7 rejected 0",
      "impressions 4 clicks 2 conversions 1",
      "ctr 0.5000 revenue 12.50 USD",
      "first page: 1 campaign(s)",
    ]);
  });

  it("surfaces errors as TallyError with code, reason and field violations", async () => {
    const tally = createTallyClient({ address: edgeAddress });
    try {
      const reg = await tally.identity.register({ email: `${uniqueName("sdk")}@example.com`, password: "sdk password 123", organizationName: "SDK" });
      tally.setCredentials({ token: reg.accessToken });
      const page = await tally.campaigns.listCampaigns({ pageSize: 2 });
      assert.deepEqual(page, { campaigns: [], nextPageToken: "" });

      const missing = await tally.campaigns.get({ id: "00000000-0000-4000-8000-000000000000" }).catch((e) => e);
      assert.ok(missing instanceof TallyError, String(missing));
      assert.equal(missing.code, "NOT_FOUND");
      assert.equal(missing.grpcCode, 5);
      assert.equal(missing.method, "/tally.campaign.v1.CampaignService/GetCampaign");
      assert.ok(missing.reason, "an ErrorInfo reason");

      const bad = await tally.campaigns.create({ campaign: { name: "x" } }).catch((e) => e);
      assert.ok(bad instanceof TallyError, String(bad));
      assert.equal(bad.code, "INVALID_ARGUMENT");
      const fields = bad.violations.map((v: { field: string }) => v.field);
      for (const f of ["campaign.name", "campaign.currency_code", "campaign.budget_micros"]) assert.ok(fields.includes(f), `${f} in ${fields.join(", ")}`);
      assert.equal(bad.attempts, 1);

      const anonymous = createTallyClient({ address: edgeAddress });
      const denied = await anonymous.campaigns.list({}).catch((e) => e);
      anonymous.close();
      assert.equal(denied.code, "UNAUTHENTICATED");
    } finally {
      tally.close();
    }
  });

  it("retries UNAVAILABLE with backoff for retry-safe calls only, within one deadline", async () => {
    const tally = createTallyClient({
      address: `127.0.0.1:${await closedPort()}`,
      credentials: { token: "t" },
      retries: 3,
      initialBackoffMs: 20,
      deadlineMs: 5_000,
    });
    try {
      const read = await tally.campaigns.list({ pageSize: 2 }).catch((e) => e);
      assert.equal(read.code, "UNAVAILABLE");
      assert.equal(read.attempts, 4, "a read is retried");
      const created = await tally.campaigns.create({ campaign: { name: "Retry" } }).catch((e) => e);
      assert.equal(created.code, "UNAVAILABLE");
      assert.equal(created.attempts, 4, "a create is retried: request_id is filled in");
      const launch = await tally.campaigns.launch({ id: "x" }).catch((e) => e);
      assert.equal(launch.code, "UNAVAILABLE");
      assert.equal(launch.attempts, 1, "a state transition is not retried");
      const started = Date.now();
      const short = await tally.campaigns.list({}, { deadlineMs: 150, retries: 50 }).catch((e) => e);
      assert.ok(Date.now() - started < 1_000, "the deadline bounds every attempt together");
      assert.ok(["UNAVAILABLE", "DEADLINE_EXCEEDED"].includes(short.code), short.code);
    } finally {
      tally.close();
    }
  });
});
