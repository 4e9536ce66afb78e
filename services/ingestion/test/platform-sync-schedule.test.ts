/**
 * Scheduled syncs with two ingestion replicas (two wire() processes on one database, one set of
 * topics): every connection is synced exactly once per period, whichever replica takes it, and a
 * failing connection backs off and shows its error without holding up the others.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CreatePlatformConnectionRequest, PlatformConnectionStatus } from "#gen/tally/ingestion/v1/ingestion.js";
import { call } from "../../../test/support/grpc.js";
import type { PlatformCredentials } from "../src/domain/platform-connection.js";
import { ReportSourceError, type ReportRequest, type ReportSource, type SourceReport } from "../src/domain/report-source.js";
import { startIngestionHarness } from "./ingestion-harness.js";

const TENANT = "tenant-sched";
const PERIOD_MS = 1000;
const BACKOFF_BASE_MS = 400;
const BACKOFF_MAX_MS = 800;
const WATCH_MS = 3450;

/** Every fetch of either replica, with the time it started; account 999 has a revoked token. */
const fetches: { replica: string; accountId: string; at: number }[] = [];
function source(replica: string): ReportSource {
  return {
    async fetchReport(_credentials: PlatformCredentials, request: ReportRequest): Promise<SourceReport> {
      fetches.push({ replica, accountId: request.accountId, at: Date.now() });
      if (request.accountId === "999") throw new ReportSourceError("Meta API error 190: the access token has expired");
      return { rows: [], accountTimeZone: "Europe/Berlin", currencyCode: "EUR" };
    },
  };
}

const env = {
  TALLY_PLATFORM_SYNC_INTERVAL_MS: String(PERIOD_MS),
  TALLY_PLATFORM_SYNC_BACKOFF_BASE_MS: String(BACKOFF_BASE_MS),
  TALLY_PLATFORM_SYNC_BACKOFF_MAX_MS: String(BACKOFF_MAX_MS),
  TALLY_PLATFORM_WORKER_POLL_MS: "50",
};

let a: Awaited<ReturnType<typeof startIngestionHarness>>;
let b: Awaited<ReturnType<typeof startIngestionHarness>>;

before(async () => {
  a = await startIngestionHarness({ env, reportSources: { meta: source("a") } });
  b = await startIngestionHarness({ env, reportSources: { meta: source("b") }, replicaOf: { database: a.database, prefix: a.prefix, source: a.source } });
  a.source.put({
    id: "camp-1",
    tenantId: TENANT,
    name: "camp-1",
    status: "ACTIVE",
    currencyCode: "EUR",
    timeZone: "UTC",
    platformLinks: [{ platform: "meta", accountId: "", externalCampaignIds: ["m1"] }],
  });
});

after(async () => {
  await b?.stop();
  await a?.stop();
});

describe("scheduled platform syncs", () => {
  it("sync each connection once per period across two replicas; a failing one backs off and shows its error", async () => {
    const token = await a.token(TENANT, "OWNER");
    const created = new Map<string, { id: string; at: number }>();
    for (const accountId of ["111", "222", "999"]) {
      const at = Date.now();
      const req = CreatePlatformConnectionRequest.fromPartial({
        platformConnection: { platform: "meta", accountId, credentials: { accessToken: `tok-${accountId}` } },
      });
      const res = await call(a.client, a.client.createPlatformConnection, req, token);
      created.set(accountId, { id: res.platformConnection!.id, at });
    }
    await new Promise((r) => setTimeout(r, WATCH_MS));
    const seen = fetches.slice();

    for (const accountId of ["111", "222"]) {
      const start = created.get(accountId)!.at;
      const periods = seen.filter((f) => f.accountId === accountId && f.at - start < WATCH_MS).map((f) => Math.floor((f.at - start) / PERIOD_MS));
      assert.deepEqual(periods, [0, 1, 2, 3], `account ${accountId}: one sync in each of the first four periods`);
      const c = (await call(a.client, a.client.getPlatformConnection, { id: created.get(accountId)!.id }, token)).platformConnection!;
      assert.deepEqual(
        [c.status, c.lastError, c.accountTimeZone, c.lastSyncTime !== undefined],
        [PlatformConnectionStatus.PLATFORM_CONNECTION_STATUS_ACTIVE, "", "Europe/Berlin", true],
      );
    }

    const failing = seen.filter((f) => f.accountId === "999").map((f) => f.at);
    const gaps = failing.slice(1).map((t, i) => t - failing[i]!);
    const expected = [BACKOFF_BASE_MS, 2 * BACKOFF_BASE_MS, BACKOFF_MAX_MS, BACKOFF_MAX_MS].slice(0, gaps.length);
    assert.ok(failing.length >= 4, `the failing connection was retried (${failing.length} attempts)`);
    gaps.forEach((gap, i) => assert.ok(gap >= expected[i]! - 20 && gap < expected[i]! + 400, `retry ${i + 1} after ${gap} ms, backoff ${expected[i]} ms`));
    const bad = (await call(a.client, a.client.getPlatformConnection, { id: created.get("999")!.id }, token)).platformConnection!;
    assert.deepEqual(
      [bad.status, bad.lastError],
      [PlatformConnectionStatus.PLATFORM_CONNECTION_STATUS_ERROR, "Meta API error 190: the access token has expired"],
    );
    assert.ok(bad.lastErrorTime && !bad.lastSyncTime);

    const byReplica = { a: seen.filter((f) => f.replica === "a").length, b: seen.filter((f) => f.replica === "b").length };
    console.log(`fetches by replica: ${JSON.stringify(byReplica)}`);
  });
});
