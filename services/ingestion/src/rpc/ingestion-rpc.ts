import type { AdEvent, IngestionServiceServer, StreamEventsRequest } from "#gen/tally/ingestion/v1/ingestion.js";
import { ingest as ingestPolicy } from "#common/auth.js";
import type { RpcKit } from "#common/rpc.js";
import type { IngestEvents } from "../domain/ingest-events.js";
import { ingestStream } from "../domain/ingest-stream.js";
import { countsToProto, eventFromProto, receiptToProto } from "./convert.js";

const M = "tally.ingestion.v1.IngestionService";

/** The ingest rate budget counts events, not calls (common/src/rate-limit/rate-limit.ts). */
const eventsCost = { cost: (req: { events: AdEvent[] }) => req.events.length };

/** Decode → domain → encode; nothing else lives here. */
export function ingestionRpc(kit: RpcKit, ingest: IngestEvents): IngestionServiceServer {
  // The boundary only counted the events (one bad event never fails its batch): each is checked
  // here by the same rules, and its first problem becomes its REJECTED receipt.
  const toEvent = (e: AdEvent) => eventFromProto(e, kit.input.itemProblems("tally.ingestion.v1.AdEvent", e)[0] ?? null);
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
    // Platform reports and pulls from the ad platforms' APIs arrive with the connectors.
    ingestPlatformReport: kit.unimplemented(`${M}/IngestPlatformReport`),
    fetchPlatformData: kit.unimplemented(`${M}/FetchPlatformData`),
  };
}
