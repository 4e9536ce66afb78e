/**
 * Runs the sweep's cases with modest concurrency and checks that nothing a refused request touched
 * changed:
 *   - tenant A (the victim of the auth cases) is snapshotted before and after, campaigns, platform
 *     connections, API keys and insights; every auth case must be refused, so nothing of A may differ;
 *   - state-changing fuzz cases run one at a time on tenant F, each refused one between two
 *     snapshots of F's campaigns; refused account creations must leave no account that logs in;
 *   - events: every ACCEPTED fuzz event is booked, and F's insights must come to equal exactly
 *     those (a refused event counted, or an aggregator stalled by a poison event, both show here).
 */
import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import type { Contract } from "./contract.js";
import type { Fixtures, Tenant } from "./fixtures.js";
import { judge, statusOf, type Verdict } from "./judge.js";
import { fuzzTenant, type SweepCase } from "./sweep-cases.js";
import type { GrpcTransport } from "./grpc-transport.js";
import { sendRest } from "./rest-transport.js";
import { retryRateLimited, type Outcome } from "./transports.js";

export interface Finding {
  rpc: string;
  transport: string;
  phase: string;
  name: string;
  status: string;
  why: string;
  message?: string;
}

export interface SweepResult {
  ran: number;
  byTransport: Record<string, number>;
  unexpected: Finding[];
  tolerated: Finding[];
  /** Cases that took over SLOW_MS: a hostile input that holds a service's event loop is a denial of service. */
  slow: Finding[];
  /** Answers RESOURCE_EXHAUSTED / 429 to the sweep's pace, retried (transports.ts retryRateLimited). */
  rateLimitRetries: number;
}

const SLOW_MS = 2_000;
/** TALLY_SWEEP_TRACE=1 prints every case with its duration. */
const TRACE = process.env.TALLY_SWEEP_TRACE === "1";

export interface RunnerDeps {
  contract: Contract;
  fixtures: Fixtures;
  grpc: GrpcTransport;
  envoyUrl: string;
  concurrency: number;
}

const EVENT_RPCS = new Set(["tally.ingestion.v1.IngestionService/IngestEvents", "tally.ingestion.v1.IngestionService/StreamEvents"]);

export async function runSweep(cases: SweepCase[], deps: RunnerDeps): Promise<SweepResult> {
  const result: SweepResult = { ran: 0, byTransport: {}, unexpected: [], tolerated: [], slow: [], rateLimitRetries: 0 };
  const record = (c: SweepCase, o: Outcome | null, v: Verdict) => {
    if (v.kind === "expected") return;
    const f: Finding = { rpc: c.rpc.id, transport: c.transport, phase: c.phase, name: c.name, status: o ? statusOf(o) : "-", why: v.why, message: o?.message };
    (v.kind === "tolerated" ? result.tolerated : result.unexpected).push(f);
  };
  const send = async (c: SweepCase): Promise<Outcome> => {
    result.ran++;
    result.byTransport[c.transport] = (result.byTransport[c.transport] ?? 0) + 1;
    return retryRateLimited(
      () => (c.transport === "grpc" ? deps.grpc.send(c.rpc, c.grpcBytes!, c.token) : sendRest(deps.envoyUrl, c.rpc, c.rest!, c.token)),
      () => result.rateLimitRetries++,
    );
  };
  const ledger = new EventLedger();
  const runOne = async (c: SweepCase) => {
    const started = Date.now();
    const o = await send(c);
    const ms = Date.now() - started;
    if (TRACE) console.log(`trace ${new Date(started).toISOString()} ${ms}ms ${c.phase} ${c.rpc.name} [${c.transport}] ${c.name} → ${statusOf(o)}`);
    if (ms > SLOW_MS) result.slow.push({ rpc: c.rpc.id, transport: c.transport, phase: c.phase, name: c.name, status: statusOf(o), why: `took ${ms} ms` });
    record(c, o, judge(c.expect, o, c.spec, c.leakIds));
    if (c.phase === "fuzz" && EVENT_RPCS.has(c.rpc.id)) ledger.book(c, o, fuzzTenant(deps.fixtures, c.rpc));
    return o;
  };

  // 1. Controls, one at a time: they move tenant B's campaigns through the lifecycle in order.
  for (const c of cases.filter((x) => x.phase === "control").sort(controlOrder)) await runOne(c);

  // 2. Every credential kind against tenant A, which must come out unchanged.
  const victimBefore = await snapshot(deps, deps.fixtures.victim, true);
  await pool(
    cases.filter((c) => c.phase === "auth"),
    deps.concurrency,
    runOne,
  );

  // 3. Fuzz: reads in parallel; each state-changing RPC in its own tenant, its cases one at a time,
  //    every refused one between two snapshots of that tenant.
  const fuzz = cases.filter((c) => c.phase === "fuzz");
  const lanes = new Map<string, SweepCase[]>();
  for (const c of fuzz.filter((x) => x.spec.mutates)) lanes.set(c.rpc.id, [...(lanes.get(c.rpc.id) ?? []), c]);
  const listingBroken = new Set<string>();
  const lane = async (laneCases: SweepCase[]) => {
    const tenant = fuzzTenant(deps.fixtures, laneCases[0]!.rpc);
    let before = await snapshot(deps, tenant, false);
    for (const c of laneCases) {
      const o = await runOne(c);
      const after = await snapshot(deps, tenant, false);
      if (before.listed && !after.listed && !listingBroken.has(tenant.tenantId)) {
        listingBroken.add(tenant.tenantId);
        record(c, o, { kind: "unexpected", why: `after this case (${statusOf(o)}) the tenant's ListCampaigns fails: ${after.listError}` });
      }
      if (refused(c, o)) {
        if (after.state !== before.state)
          record(c, o, { kind: "unexpected", why: `refused (${statusOf(o)}) but the tenant's campaigns changed: ${diff(before.state, after.state)}` });
        if (c.spec.createsLogin && c.json && (await logsIn(deps, c.json)))
          record(c, o, { kind: "unexpected", why: `refused (${statusOf(o)}) but the account was created: login succeeds` });
      }
      before = after;
    }
  };
  await Promise.all([
    pool(
      fuzz.filter((c) => !c.spec.mutates),
      deps.concurrency - 2,
      runOne,
    ),
    pool([...lanes.values()], 2, lane),
  ]);

  // 4. Events: each ingesting tenant's insights must come to equal its accepted events; A as before.
  for (const problem of await ledger.settle(deps)) {
    result.unexpected.push({
      rpc: "tally.ingestion.v1.IngestionService/*",
      transport: "both",
      phase: "fuzz",
      name: "insights equal the ACCEPTED fuzz events",
      status: "-",
      why: problem,
    });
  }
  // 5. Every tenant still readable through the edge: a value stored by an accepted hostile request
  //    must not make the tenant's list unanswerable from then on.
  const list = deps.contract.rpcs.find((r) => r.id === LIST)!;
  for (const t of [deps.fixtures.victim, deps.fixtures.fuzz, ...Object.values(deps.fixtures.fuzzOf)]) {
    const o = await sendRest(deps.envoyUrl, list, { method: "GET", pathAndQuery: "/v1/campaigns?page_size=1000" }, t.tokens.OWNER);
    if (o.http !== 200 || o.formProblem) {
      const lane = Object.entries(deps.fixtures.fuzzOf).find(([, x]) => x === t)?.[0] ?? "shared";
      result.unexpected.push({
        rpc: LIST,
        transport: "rest",
        phase: "fuzz",
        name: `tenant of ${lane} still listable after the sweep`,
        status: statusOf(o),
        why: `GET /v1/campaigns answers ${statusOf(o)}: ${o.message ?? ""}`.trim(),
      });
    }
  }
  const victimAfter = await snapshot(deps, deps.fixtures.victim, true);
  if (victimAfter.state !== victimBefore.state) {
    result.unexpected.push({
      rpc: "*",
      transport: "both",
      phase: "auth",
      name: "tenant A unchanged by refused requests",
      status: "-",
      why: diff(victimBefore.state, victimAfter.state),
    });
  }
  return result;
}

function refused(c: SweepCase, o: Outcome): boolean {
  const ok = o.transport === "grpc" ? o.code === "OK" : o.http !== undefined && o.http < 300 && !o.formProblem;
  return !ok || c.spec.refusedInBody?.(o.body as JsonValue) === true;
}

const CONTROL_ORDER = [
  "IngestEvents",
  "StreamEvents",
  "ReaggregateCampaign",
  "UpdateCampaign",
  "LaunchCampaign",
  "CancelCampaign",
  "PauseCampaign",
  "CompleteCampaign",
  "ResumeCampaign",
  "DeleteCampaign",
  "UndeleteCampaign",
];
function controlOrder(a: SweepCase, b: SweepCase): number {
  const rank = (c: SweepCase) => (c.spec.mutates ? 1 + (CONTROL_ORDER.indexOf(c.rpc.name) + 1 || CONTROL_ORDER.length + 1) : 0);
  return rank(a) - rank(b);
}

async function pool<T>(items: T[], width: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, width) }, worker));
}

const LIST = "tally.campaign.v1.CampaignService/ListCampaigns";
const GET = "tally.campaign.v1.CampaignService/GetCampaign";
const INSIGHTS = "tally.analytics.v1.AnalyticsService/GetCampaignInsights";
const LIST_CONNECTIONS = "tally.ingestion.v1.IngestionService/ListPlatformConnections";
const LIST_KEYS = "tally.identity.v1.IdentityService/ListApiKeys";

async function callJson(deps: RunnerDeps, rpcId: string, json: JsonObject, token: string): Promise<Outcome> {
  const rpc = deps.contract.rpcs.find((r) => r.id === rpcId)!;
  const bytes = Buffer.from(deps.contract.encode(rpc.input, json));
  return retryRateLimited(() => deps.grpc.send(rpc, bytes, token));
}

interface Snapshot {
  /** Whether ListCampaigns answered; when it does not, the state falls back to GetCampaign of the fixtures. */
  listed: boolean;
  listError?: string;
  state: string;
}

/**
 * A tenant's campaigns (every field, etag included) and, for A, each campaign's insight totals.
 * When the tenant's ListCampaigns itself is broken (a stored value it cannot return), the state is
 * each fixture campaign by GetCampaign: changes to them still show, new campaigns no longer do.
 */
async function snapshot(deps: RunnerDeps, t: Tenant, withInsights: boolean): Promise<Snapshot> {
  const list = await callJson(deps, LIST, { pageSize: 1000 }, t.tokens.OWNER);
  const parts: JsonValue[] = [];
  if (list.code === "OK") parts.push(list.body ?? null);
  else {
    for (const id of Object.values(t.campaigns)) {
      const r = await callJson(deps, GET, { id }, t.tokens.OWNER);
      parts.push(r.code === "OK" ? (r.body ?? null) : `get ${r.code}`);
    }
  }
  // The ids of the tenant's platform connections and API keys (their sync and last-use fields move by themselves).
  for (const [rpcId, field] of [
    [LIST_CONNECTIONS, "platformConnections"],
    [LIST_KEYS, "apiKeys"],
  ] as const) {
    const r = await callJson(deps, rpcId, { pageSize: 1000 }, t.tokens.OWNER);
    parts.push(r.code === "OK" ? (((r.body as JsonObject)[field] ?? []) as JsonObject[]).map((x) => x.id ?? null) : `${field} ${r.code}`);
  }
  for (const id of withInsights ? Object.values(t.campaigns) : []) {
    const r = await callJson(deps, INSIGHTS, { campaignId: id, granularity: "GRANULARITY_TOTAL", timeZone: "UTC" }, t.tokens.OWNER);
    parts.push(r.code === "OK" ? ((r.body as JsonObject).totals ?? null) : `insights ${r.code}`);
  }
  return { listed: list.code === "OK", listError: list.code === "OK" ? undefined : `${list.code} ${list.message ?? ""}`.trim(), state: JSON.stringify(parts) };
}

function diff(before: string, after: string): string {
  let i = 0;
  while (i < before.length && before[i] === after[i]) i++;
  return `first difference at character ${i}: before …${before.slice(Math.max(0, i - 60), i + 80)}… after …${after.slice(Math.max(0, i - 60), i + 80)}…`;
}

async function logsIn(deps: RunnerDeps, req: JsonObject): Promise<boolean> {
  if (typeof req.email !== "string" || typeof req.password !== "string") return false;
  const rpc = deps.contract.rpcs.find((r) => r.id === "tally.identity.v1.IdentityService/Login")!;
  let bytes: Buffer;
  try {
    bytes = Buffer.from(deps.contract.encode(rpc.input, { email: req.email, password: req.password }));
  } catch {
    return false;
  }
  return (await deps.grpc.send(rpc, bytes, undefined)).code === "OK";
}

interface Booking {
  tenant: Tenant;
  conversions: bigint;
  revenue: bigint;
  cost: bigint;
  /** Accepted events whose type or campaign was fuzzed: not predictable, not booked. */
  other: number;
}

/** What the ACCEPTED fuzz events add up to per tenant, to compare with its insights once aggregated. */
class EventLedger {
  private books = new Map<string, Booking>();

  book(c: SweepCase, o: Outcome, tenant: Tenant): void {
    let b = this.books.get(tenant.tenantId);
    if (!b) this.books.set(tenant.tenantId, (b = { tenant, conversions: 0n, revenue: 0n, cost: 0n, other: 0 }));
    if (!c.json || (o.transport === "grpc" ? o.code !== "OK" : o.http !== 200)) return;
    const body = (o.body ?? {}) as JsonObject;
    const events = Array.isArray(c.json.events) ? (c.json.events as JsonObject[]) : [];
    const accepted =
      c.rpc.name === "StreamEvents"
        ? Number(((body.counts ?? {}) as JsonObject).accepted ?? 0) > 0
          ? events
          : []
        : events.filter((_e, i) => ((body.receipts as JsonObject[] | undefined)?.[i] as JsonObject | undefined)?.status === "RECEIPT_STATUS_ACCEPTED");
    for (const e of accepted) {
      if (e.campaignId !== tenant.campaigns.active || e.type !== "EVENT_TYPE_CONVERSION") {
        b.other++;
        continue;
      }
      b.conversions++;
      b.revenue += BigInt(String(e.valueMicros ?? "0"));
      b.cost += BigInt(String(e.costMicros ?? "0"));
    }
  }

  /** One problem per tenant whose insights do not reach its booked totals within 10 s. */
  async settle(deps: RunnerDeps): Promise<string[]> {
    const problems: string[] = [];
    const deadline = Date.now() + 10_000;
    for (const b of this.books.values()) {
      const want = JSON.stringify({ conversions: String(b.conversions), revenueMicros: String(b.revenue), costMicros: String(b.cost) });
      let got = "";
      for (;;) {
        const r = await callJson(
          deps,
          INSIGHTS,
          { campaignId: b.tenant.campaigns.active, granularity: "GRANULARITY_TOTAL", timeZone: "UTC" },
          b.tenant.tokens.OWNER,
        );
        const t = ((r.body as JsonObject | undefined)?.totals ?? {}) as JsonObject;
        got =
          r.code === "OK"
            ? JSON.stringify({ conversions: t.conversions, revenueMicros: t.revenueMicros, costMicros: t.costMicros })
            : `insights ${r.code}: ${r.message}`;
        if (got === want || Date.now() > deadline) break;
        await new Promise((res) => setTimeout(res, 250));
      }
      if (got === want) continue;
      const note = b.other > 0 ? ` (${b.other} accepted events had a fuzzed type or campaign and are not booked)` : "";
      problems.push(`tenant ${b.tenant.tenantId}: insights show ${got} after 10 s, the ACCEPTED events add up to ${want}${note}`);
    }
    return problems;
  }
}
