import { IngestionServiceService } from "#gen/tally/ingestion/v1/ingestion.js";
import type { TokenService } from "#common/auth.js";
import { createGrpcServer, type GrpcServer } from "#common/grpc-server.js";
import type { Logger } from "#common/logger.js";
import type { Metrics } from "#common/metrics.js";
import type { RateLimiter } from "#common/rate-limit/rate-limit.js";
import { createRpcKit } from "#common/rpc.js";
import type { PageTokens } from "#common/contract/page-token.js";
import type { FetchJobs } from "./domain/fetch-jobs.js";
import type { Tracing } from "#common/tracing.js";
import type { IngestEvents } from "./domain/ingest-events.js";
import { createIngestionMetrics } from "./ingestion-metrics.js";
import type { PlatformConnections } from "./domain/platform-connection.js";
import type { IngestPlatformReport } from "./domain/platform-report.js";
import { ingestionRpc } from "./rpc/ingestion-rpc.js";

export interface ServerDeps {
  logger: Logger;
  tokens: TokenService;
  metrics: Metrics;
  /** Per-credential rate limits; none when switched off. */
  limiter?: RateLimiter;
  ingest: IngestEvents;
  ingestReport: IngestPlatformReport;
  connections: PlatformConnections;
  jobs: FetchJobs;
  pageTokens: PageTokens;
  tracing?: Tracing;
}

/** Counts every receipt by status and reason, for IngestEvents and StreamEvents alike. */
function withReceiptMetrics(ingest: IngestEvents, metrics: Metrics): IngestEvents {
  const { receipts } = createIngestionMetrics(metrics);
  return async (input) => {
    const out = await ingest(input);
    // Tallied first: one counter update per (status, reason) instead of one per event.
    const tally = new Map<string, { status: string; reason: string; n: number }>();
    for (const r of out.receipts) {
      const key = `${r.status}/${r.reason}`;
      const entry = tally.get(key) ?? tally.set(key, { status: r.status, reason: r.reason, n: 0 }).get(key)!;
      entry.n += 1;
    }
    for (const { status, reason, n } of tally.values()) receipts.inc({ status, reason }, n);
    return out;
  };
}

/** The ingestion gRPC server, built but not listening: main.ts and tests choose the port. */
export function createServer(deps: ServerDeps): GrpcServer {
  const kit = createRpcKit({ logger: deps.logger, tokens: deps.tokens, metrics: deps.metrics, limiter: deps.limiter, tracing: deps.tracing });
  const implementation = ingestionRpc(kit, { ...deps, ingest: withReceiptMetrics(deps.ingest, deps.metrics) });
  return createGrpcServer({
    logger: deps.logger,
    services: [{ name: "tally.ingestion.v1.IngestionService", definition: IngestionServiceService, implementation }],
  });
}
