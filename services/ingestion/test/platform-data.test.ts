/**
 * Ad-platform data through the real ingestion process (wire.ts) and the real analytics processes on
 * the same topics: connections with sealed credentials, IngestPlatformReport snapshots that replace
 * in insights, FetchPlatformData jobs. The ad platforms are an in-test ReportSource (the connectors
 * are built apart); the campaign service is in-memory, as in every ingestion service test.
 */
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { after, before, describe, it } from "node:test";
import { status } from "@grpc/grpc-js";
import { GetCampaignInsightsRequest, Granularity, type GetCampaignInsightsResponse } from "#gen/tally/analytics/v1/analytics.js";
import {
  CreatePlatformConnectionRequest,
  PlatformConnectionStatus,
  PlatformFetchJobState,
  ReceiptStatus,
  type PlatformFetchJob,
  type PlatformReportRow,
} from "#gen/tally/ingestion/v1/ingestion.js";
import type { CampaignInfo } from "#common/clients/campaign-service-client.js";
import { createLogger } from "#common/logger.js";
import { call, callError } from "../../../test/support/grpc.js";
import { startHarness, type Harness } from "../../analytics/test/harness.js";
import type { ReportRequest, ReportSource, SourceReport } from "../src/domain/report-source.js";
import { dateIn, addDays } from "../src/domain/platform-sync.js";
import type { PlatformCredentials } from "../src/domain/platform-connection.js";
import { startIngestionHarness } from "./ingestion-harness.js";

const TENANT = "tenant-1"; // the analytics harness's tenant
const OTHER = "tenant-other";
const SECRET = "EAAB-very-secret-access-token-5f1c9e";
const REFRESH = "1//refresh-secret-9a8b7c6d";
const ZONE = "America/Los_Angeles";
const D = addDays(dateIn(ZONE, new Date()), -3);

/** A Meta-like source: a fixed report per request, the credentials it was given, and how often it ran. */
class FakeSource implements ReportSource {
  calls: { credentials: PlatformCredentials; request: ReportRequest }[] = [];
  report: (req: ReportRequest) => SourceReport = () => ({ rows: [], accountTimeZone: ZONE, currencyCode: "EUR" });
  async fetchReport(credentials: PlatformCredentials, request: ReportRequest): Promise<SourceReport> {
    this.calls.push({ credentials, request });
    return this.report(request);
  }
}

const logs: string[] = [];
const logSink = new Writable({
  write(chunk, _enc, done) {
    logs.push(String(chunk));
    done();
  },
});

let analytics: Harness;
let ing: Awaited<ReturnType<typeof startIngestionHarness>>;
const meta = new FakeSource();

function campaign(over: Partial<CampaignInfo> & { id: string }): CampaignInfo {
  return { tenantId: TENANT, name: over.id, status: "ACTIVE", currencyCode: "EUR", timeZone: "Europe/Berlin", platformLinks: [], ...over };
}

function row(over: Partial<PlatformReportRow> = {}): PlatformReportRow {
  return {
    campaignId: "camp-p",
    platform: "meta",
    region: "DE",
    date: D,
    hour: undefined,
    impressions: "1000",
    clicks: "40",
    conversions: "0",
    conversionsMicros: "2500000",
    costMicros: "12340000",
    revenueMicros: "50000000",
    currencyCode: "EUR",
    reportTime: undefined,
    timeZone: ZONE,
    conversionAction: "",
    ...over,
  };
}

before(async () => {
  analytics = await startHarness("plat");
  ing = await startIngestionHarness({
    topicPrefix: analytics.names.topicPrefix,
    reportSources: { meta },
    logger: createLogger("ingestion", "debug", logSink),
  });
  for (const c of [
    campaign({ id: "camp-p" }),
    campaign({ id: "camp-f", platformLinks: [{ platform: "meta", accountId: "", externalCampaignIds: ["m1", "m2"] }] }),
    campaign({ id: "camp-x", tenantId: OTHER }),
  ]) {
    ing.source.put(c);
    if (c.tenantId === TENANT) analytics.campaigns.add({ id: c.id, currencyCode: c.currencyCode, timeZone: c.timeZone });
  }
});

after(async () => {
  await ing?.stop();
  await analytics?.stop();
});

const owner = () => ing.token(TENANT, "OWNER");
const editor = () => ing.token(TENANT, "EDITOR");

describe("platform connections", () => {
  let id = "";

  it("are created by an OWNER only, with the credentials sealed: never returned, never stored or logged in plain text", async () => {
    const input = CreatePlatformConnectionRequest.fromPartial({
      platformConnection: {
        platform: "Meta",
        accountId: "1234567890",
        displayName: "Shop EU",
        credentials: { accessToken: SECRET, refreshToken: REFRESH, clientId: "app-1" },
      },
    });
    const denied = await callError(ing.client, ing.client.createPlatformConnection, input, await editor());
    assert.equal(denied.code, status.PERMISSION_DENIED, denied.message);

    const created = await call(ing.client, ing.client.createPlatformConnection, input, await owner());
    const c = created.platformConnection!;
    id = c.id;
    assert.deepEqual(
      [c.platform, c.accountId, c.displayName, c.status, c.credentials],
      ["meta", "1234567890", "Shop EU", PlatformConnectionStatus.PLATFORM_CONNECTION_STATUS_ACTIVE, undefined],
    );

    const got = await call(ing.client, ing.client.getPlatformConnection, { id }, await editor());
    const listed = await call(ing.client, ing.client.listPlatformConnections, { pageSize: 0, pageToken: "" }, await editor());
    assert.deepEqual(
      listed.platformConnections.map((x) => x.id),
      [id],
    );
    for (const response of [created, got, listed]) {
      const text = JSON.stringify(response);
      assert.ok(!text.includes(SECRET) && !text.includes(REFRESH), "no RPC response carries a credential");
    }

    const stored = (await ing.db.raw("SELECT * FROM platform_connections WHERE id = ?", [id])).rows[0];
    assert.equal(stored.credentials_iv.length, 12);
    assert.equal(stored.credentials_tag.length, 16);
    assert.equal(stored.credentials_key_id, "dev");
    const everything = Buffer.concat([stored.credentials_ciphertext, Buffer.from(JSON.stringify(stored))]);
    for (const secret of [SECRET, REFRESH]) assert.ok(!everything.includes(Buffer.from(secret)), "the row holds no plaintext credential");

    const again = await callError(ing.client, ing.client.createPlatformConnection, input, await owner());
    assert.equal(again.code, status.ALREADY_EXISTS);
  });

  it("a fetch job runs on the connection: SUCCEEDED, external campaigns summed per day, the stored credentials used", async () => {
    meta.report = (req) => ({
      accountTimeZone: ZONE,
      currencyCode: "EUR",
      rows: req.externalCampaignIds.flatMap((ext, k) => [
        {
          externalCampaignId: ext,
          date: D,
          hour: null,
          region: "DE",
          impressions: 100n,
          clicks: 5n,
          conversionsMicros: 1_500_000n + BigInt(k) * 1_000_000n,
          costMicros: 12_340_000n,
          revenueMicros: 0n,
          currencyCode: "EUR",
        },
        {
          externalCampaignId: ext,
          date: addDays(D, 1),
          hour: null,
          region: "DE",
          impressions: 10n,
          clicks: 1n,
          conversionsMicros: 0n,
          costMicros: 1n,
          revenueMicros: 0n,
          currencyCode: "EUR",
        },
      ]),
    });
    const started = await call(
      ing.client,
      ing.client.fetchPlatformData,
      { campaignId: "camp-f", platforms: [], startDate: D, endDate: addDays(D, 1) },
      await editor(),
    );
    assert.equal(started.job!.state, PlatformFetchJobState.PLATFORM_FETCH_JOB_STATE_PENDING);
    let job: PlatformFetchJob | undefined;
    for (let i = 0; i < 100; i++) {
      job = (await call(ing.client, ing.client.getPlatformFetchJob, { id: started.job!.id }, await editor())).job!;
      if (job.endTime) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(job!.state, PlatformFetchJobState.PLATFORM_FETCH_JOB_STATE_SUCCEEDED);
    assert.deepEqual(
      [job!.rows, job!.rowsByPlatform, job!.counts, job!.errors],
      ["2", { meta: "2" }, { accepted: "2", duplicate: "0", filtered: "0", rejected: "0" }, []],
    );
    assert.deepEqual(meta.calls.at(-1)!.request, { accountId: "1234567890", externalCampaignIds: ["m1", "m2"], startDate: D, endDate: addDays(D, 1) });
    assert.equal(meta.calls.at(-1)!.credentials.accessToken, SECRET);
    const published = await waitForReports((r) => r.campaignId === "camp-f" && r.date === D);
    assert.deepEqual(
      [published.impressions, published.conversions, published.conversionsMicros, published.costMicros, published.timeZone, published.tenantId],
      ["200", "4", "4000000", "24680000", ZONE, TENANT],
    );
  });

  it("are deleted by an OWNER, and are not found afterwards", async () => {
    await call(ing.client, ing.client.deletePlatformConnection, { id }, await owner());
    const gone = await callError(ing.client, ing.client.getPlatformConnection, { id }, await editor());
    assert.equal(gone.code, status.NOT_FOUND);
  });

  it("never put a credential in the logs", () => {
    const text = logs.join("");
    assert.ok(text.length > 0, "the test captured the service's logs");
    assert.ok(!text.includes(SECRET) && !text.includes(REFRESH));
  });
});

async function waitForReports(match: (r: (typeof ing.published.reports)[number]) => boolean) {
  for (let i = 0; i < 200; i++) {
    const found = ing.published.reports.filter(match);
    if (found.length > 0) return found.at(-1)!;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("report not published");
}

describe("IngestPlatformReport", () => {
  const ingest = async (rows: PlatformReportRow[]) => call(ing.client, ing.client.ingestPlatformReport, { rows }, await editor());

  async function insightsFor(day: string) {
    const req = GetCampaignInsightsRequest.fromPartial({
      campaignId: "camp-p",
      startDate: day,
      endDate: day,
      granularity: Granularity.GRANULARITY_TOTAL,
      timeZone: ZONE,
    });
    return analytics.unary<GetCampaignInsightsRequest, GetCampaignInsightsResponse>((c) => c.getCampaignInsights, req);
  }

  it("a restated row replaces the earlier one in insights, not adds to it", async () => {
    const first = await ingest([row({ reportTime: new Date(Date.now() - 60_000) })]);
    assert.deepEqual(first.counts, { accepted: "1", duplicate: "0", filtered: "0", rejected: "0" });
    let totals = await waitForInsights(
      () => insightsFor(D),
      (t) => t.impressions === "1000",
    );
    assert.deepEqual([totals.impressions, totals.clicks, totals.conversions, totals.costMicros], ["1000", "40", "2", "12340000"]);

    await ingest([row({ impressions: "1500", costMicros: "15000000", reportTime: new Date() })]);
    totals = await waitForInsights(
      () => insightsFor(D),
      (t) => t.impressions !== "1000",
    );
    assert.deepEqual([totals.impressions, totals.costMicros], ["1500", "15000000"]);
  });

  it("rejects a currency mismatch naming the field, and another tenant's campaign as not found; the rest is accepted", async () => {
    const out = await ingest([
      row({ region: "FR" }),
      row({ region: "AT", currencyCode: "USD" }),
      row({ campaignId: "camp-x" }),
      row({ conversions: "2", conversionsMicros: "2500000" }),
    ]);
    assert.deepEqual(
      out.receipts.map((r) => [r.index, r.status, r.reason, r.field]),
      [
        [0, ReceiptStatus.RECEIPT_STATUS_ACCEPTED, "", ""],
        [1, ReceiptStatus.RECEIPT_STATUS_REJECTED, "CURRENCY_MISMATCH", "rows[1].currency_code"],
        [2, ReceiptStatus.RECEIPT_STATUS_REJECTED, "CAMPAIGN_NOT_FOUND", "rows[2].campaign_id"],
        [3, ReceiptStatus.RECEIPT_STATUS_REJECTED, "INVALID_FIELD", "rows[3].conversions_micros"],
      ],
    );
    assert.deepEqual(out.counts, { accepted: "1", duplicate: "0", filtered: "0", rejected: "3" });
  });
});

async function waitForInsights<T extends { totals?: { impressions: string } }>(
  read: () => Promise<T>,
  done: (t: NonNullable<T["totals"]> & { clicks: string; conversions: string; costMicros: string }) => boolean,
) {
  for (let i = 0; i < 150; i++) {
    const res = await read();
    const t = res.totals as NonNullable<T["totals"]> & { clicks: string; conversions: string; costMicros: string };
    if (t && done(t)) return t;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("insights never showed the expected numbers");
}
