import type { AdEvent, IngestionServiceServer, PlatformReportRow, StreamEventsRequest } from "#gen/tally/ingestion/v1/ingestion.js";
import { edit, ingest as ingestPolicy, own } from "#common/auth.js";
import { readPageToken, type PageTokens } from "#common/contract/page-token.js";
import { Violations } from "#common/errors.js";
import type { RpcKit } from "#common/rpc.js";
import type { FetchJobs } from "../domain/fetch-jobs.js";
import type { IngestEvents } from "../domain/ingest-events.js";
import { ingestStream } from "../domain/ingest-stream.js";
import type { PlatformConnections } from "../domain/platform-connection.js";
import type { IngestPlatformReport } from "../domain/platform-report.js";
import { connectionInputFromProto, connectionToProto, countsToProto, eventFromProto, jobToProto, receiptToProto, reportRowFromProto } from "./convert.js";

const M = "tally.ingestion.v1.IngestionService";
const LIST_SCOPE = `${M}/ListPlatformConnections`;

export interface IngestionRpcDeps {
  ingest: IngestEvents;
  ingestReport: IngestPlatformReport;
  connections: PlatformConnections;
  jobs: FetchJobs;
  pageTokens: PageTokens;
}

const parseCursor = (p: unknown) => {
  const c = p as { t?: unknown; i?: unknown } | null;
  return c && typeof c.t === "string" && typeof c.i === "string" ? { createTime: c.t, id: c.i } : null;
};

/** The ingest rate budget counts events, not calls (common/src/rate-limit/rate-limit.ts). */
const eventsCost = { cost: (req: { events: AdEvent[] }) => req.events.length };
/** A report row is one snapshot: it costs what an event does. */
const rowsCost = { cost: (req: { rows: PlatformReportRow[] }) => req.rows.length };

/** Decode → domain → encode; nothing else lives here. */
export function ingestionRpc(kit: RpcKit, deps: IngestionRpcDeps): IngestionServiceServer {
  const { ingest } = deps;
  // The boundary only counted the events (one bad event never fails its batch): each is checked
  // here by the same rules, and its first problem becomes its REJECTED receipt.
  const toEvent = (e: AdEvent) => eventFromProto(e, kit.input.itemProblems("tally.ingestion.v1.AdEvent", e)[0] ?? null);
  const toRow = (r: PlatformReportRow) => reportRowFromProto(r, kit.input.itemProblems("tally.ingestion.v1.PlatformReportRow", r)[0] ?? null);
  async function* eventChunks(requests: AsyncIterable<StreamEventsRequest>) {
    for await (const req of requests) yield req.events.map(toEvent);
  }

  return {
    ingestEvents: kit.unary(
      `${M}/IngestEvents`,
      ingestPolicy,
      async (req, ctx) => {
        const out = await ingest({ tenantId: ctx.principal.tenantId, requestId: ctx.requestId, events: req.events.map(toEvent) });
        return { receipts: out.receipts.map(receiptToProto), counts: countsToProto(out.counts) };
      },
      eventsCost,
    ),
    streamEvents: kit.clientStream(
      `${M}/StreamEvents`,
      ingestPolicy,
      async (requests: AsyncIterable<StreamEventsRequest>, ctx) => {
        const summary = await ingestStream(ingest, { tenantId: ctx.principal.tenantId, requestId: ctx.requestId, chunks: eventChunks(requests) });
        return { counts: countsToProto(summary.counts), problems: summary.problems.map(receiptToProto) };
      },
      eventsCost,
    ),
    ingestPlatformReport: kit.unary(
      `${M}/IngestPlatformReport`,
      ingestPolicy,
      async (req, ctx) => {
        const out = await deps.ingestReport({ tenantId: ctx.principal.tenantId, requestId: ctx.requestId, rows: req.rows.map(toRow) });
        return { receipts: out.receipts.map(receiptToProto), counts: countsToProto(out.counts) };
      },
      rowsCost,
    ),
    fetchPlatformData: kit.unary(`${M}/FetchPlatformData`, edit, async (req, ctx) => {
      const job = await deps.jobs.start(
        ctx.principal.tenantId,
        { campaignId: req.campaignId, platforms: req.platforms, startDate: req.startDate, endDate: req.endDate },
        ctx.requestId,
      );
      return { job: jobToProto(job) };
    }),
    getPlatformFetchJob: kit.unary(`${M}/GetPlatformFetchJob`, edit, async (req, ctx) => ({
      job: jobToProto(await deps.jobs.get(ctx.principal.tenantId, req.id)),
    })),
    createPlatformConnection: kit.unary(`${M}/CreatePlatformConnection`, own, async (req, ctx) => {
      const created = await deps.connections.create(ctx.principal.tenantId, connectionInputFromProto(req.platformConnection));
      return { platformConnection: connectionToProto(created) };
    }),
    getPlatformConnection: kit.unary(`${M}/GetPlatformConnection`, edit, async (req, ctx) => ({
      platformConnection: connectionToProto(await deps.connections.get(ctx.principal.tenantId, req.id)),
    })),
    listPlatformConnections: kit.unary(`${M}/ListPlatformConnections`, edit, async (req, ctx) => {
      const v = new Violations();
      const after = readPageToken(deps.pageTokens, `${LIST_SCOPE}/${ctx.principal.tenantId}`, req.pageToken, parseCursor, v);
      v.throwIfAny();
      const page = await deps.connections.list(ctx.principal.tenantId, after, req.pageSize);
      return {
        platformConnections: page.connections.map(connectionToProto),
        nextPageToken: page.next ? deps.pageTokens.seal(`${LIST_SCOPE}/${ctx.principal.tenantId}`, { t: page.next.createTime, i: page.next.id }) : "",
      };
    }),
    deletePlatformConnection: kit.unary(`${M}/DeletePlatformConnection`, own, async (req, ctx) => {
      await deps.connections.delete(ctx.principal.tenantId, req.id);
      return {};
    }),
  };
}
