import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { FetchJob } from "./fetch-jobs.js";
import type { CredentialsCipher, PlatformConnection, PlatformCredentials, SealedCredentials } from "./platform-connection.js";
import { createSyncRunner, type ClaimedConnection, type SyncResult, type SyncStore } from "./platform-sync-runner.js";
import { ReportSourceError, type ReportSource } from "./report-source.js";
import { emptyCounts } from "./receipt.js";

const NOW = new Date("2026-03-10T12:00:00Z");
const creds = (accessToken: string): PlatformCredentials => ({
  accessToken,
  refreshToken: "r",
  clientId: "c",
  clientSecret: "s",
  developerToken: "",
  loginCustomerId: "",
});
/** A see-through cipher: the runner's sealing is what is tested, not AES. */
const cipher: CredentialsCipher = {
  seal: (c) => ({ keyId: "t", iv: new Uint8Array(), tag: new Uint8Array(), ciphertext: new TextEncoder().encode(JSON.stringify(c)) }),
  open: (s) => JSON.parse(new TextDecoder().decode(s.ciphertext)) as PlatformCredentials,
};
const opened = (s: SealedCredentials | null) => (s ? cipher.open(s, "") : null);

const connection: PlatformConnection = {
  id: "conn-1",
  tenantId: "t1",
  platform: "google",
  accountId: "123",
  displayName: "",
  status: "ACTIVE",
  lastSyncTime: null,
  lastError: "",
  lastErrorTime: null,
  nextSyncTime: NOW,
  accountTimeZone: "UTC",
  consecutiveFailures: 0,
  createTime: NOW,
};

function setup(source: ReportSource) {
  const claimed: ClaimedConnection = { connection, sealed: cipher.seal(creds("old"), "") };
  const finished: { result: SyncResult; refreshed: SealedCredentials | null }[] = [];
  const saved: SealedCredentials[] = [];
  const store: SyncStore = {
    claimDueConnection: async () => null,
    finishConnection: async (_t, _i, _o, result, refreshed) => void finished.push({ result, refreshed }),
    saveCredentials: async (_t, _i, sealed) => void saved.push(sealed),
    connectionsOf: async () => [claimed],
    claimPendingJob: async () => null,
    finishJob: async () => undefined,
  };
  const runner = createSyncRunner({
    store,
    cipher,
    sources: { google: source },
    campaigns: { list: async () => [{ id: "camp", status: "ACTIVE", platformLinks: [{ platform: "google", accountId: "", externalCampaignIds: ["9"] }] }] },
    ingest: async (input) => ({ receipts: [], counts: { ...emptyCounts(), accepted: input.rows.length } }),
    rules: { intervalMs: 3_600_000, backoffBaseMs: 60_000, backoffMaxMs: 6 * 3_600_000, lookbackDays: 2, maxBatch: 1000 },
    clock: () => NOW,
  });
  return { runner, claimed, finished, saved };
}

const job: FetchJob = {
  id: "job-1",
  tenantId: "t1",
  campaignId: "camp",
  links: [{ platform: "google", accountId: "", externalCampaignIds: ["9"] }],
  startDate: "",
  endDate: "",
  state: "PENDING",
  rows: 0,
  rowsByPlatform: {},
  counts: emptyCounts(),
  errors: [],
  createTime: NOW,
  startTime: null,
  endTime: null,
};

describe("sync runner", () => {
  it("waits out a throttled platform's retry-after when it is longer than the backoff, and keeps a token refreshed before the failure", async () => {
    const { runner, claimed, finished } = setup({
      fetchReport: async () => {
        throw new ReportSourceError("throttled", false, { retryAfterMs: 900_000, refreshedCredentials: creds("fresh") });
      },
    });
    const result = await runner.syncConnection(claimed, "me");
    assert.equal(result.ok, false);
    assert.deepEqual(result.ok ? null : [result.status, result.nextSyncTime.getTime() - NOW.getTime(), result.consecutiveFailures], ["ERROR", 900_000, 1]);
    assert.equal(opened(finished[0]!.refreshed)!.accessToken, "fresh");
  });

  it("backs off by its own schedule when the retry-after is shorter; a permanent failure disables", async () => {
    const short = setup({
      fetchReport: async () => {
        throw new ReportSourceError("throttled", false, { retryAfterMs: 1_000 });
      },
    });
    const r1 = await short.runner.syncConnection(short.claimed, "me");
    assert.equal(r1.ok ? 0 : r1.nextSyncTime.getTime() - NOW.getTime(), 60_000);
    const refused = setup({
      fetchReport: async () => {
        throw new ReportSourceError("reconnect", true);
      },
    });
    const r2 = await refused.runner.syncConnection(refused.claimed, "me");
    assert.equal(r2.ok ? "" : r2.status, "DISABLED");
  });

  it("stores credentials a fetch job's pull refreshed, sealed for the connection", async () => {
    const { runner, saved } = setup({
      fetchReport: async () => ({ rows: [], accountTimeZone: "UTC", currencyCode: "USD", refreshedCredentials: creds("fresh") }),
    });
    const done = await runner.runJob(job, "me");
    assert.equal(done.state, "SUCCEEDED");
    assert.deepEqual(
      saved.map((s) => opened(s)!.accessToken),
      ["fresh"],
    );
  });
});
