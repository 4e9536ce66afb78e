/**
 * The dashboard's only door to Tally: the public REST API through the same edge that serves the
 * page (so connect-src 'self' is enough). Shapes follow openapi/tally.openapi.json (proto3 JSON:
 * int64 as strings, enums by name, absent optional fields). Every field a later contract change
 * may add or drop is optional here, and every caller tolerates its absence; a shape change touches
 * this file only.
 */

export type CampaignStatus =
  "CAMPAIGN_STATUS_DRAFT" | "CAMPAIGN_STATUS_ACTIVE" | "CAMPAIGN_STATUS_PAUSED" | "CAMPAIGN_STATUS_COMPLETED" | "CAMPAIGN_STATUS_CANCELLED";

export interface Campaign {
  id: string;
  name: string;
  status: CampaignStatus | string;
  type?: string;
  description?: string;
  platforms?: string[];
  channels?: string[];
  currencyCode?: string;
  budgetMicros?: string;
  timeZone?: string;
  startTime?: string;
  endTime?: string;
  createTime?: string;
  launchTime?: string;
  etag?: string;
  /** Spend to date, when the campaign service reports it (see spendOf). */
  spendMicros?: string;
  spend?: { spendMicros?: string; costMicros?: string };
}

/** Base counts plus ratios; a ratio is absent when its denominator is 0. */
export interface Metrics {
  impressions?: string;
  clicks?: string;
  conversions?: string;
  costMicros?: string;
  revenueMicros?: string;
  filteredEvents?: string;
  ctr?: number;
  conversionRate?: number;
  cpcMicros?: string;
  cpmMicros?: string;
  cpaMicros?: string;
  roas?: number;
}

export type Granularity = "GRANULARITY_HOUR" | "GRANULARITY_DAY" | "GRANULARITY_WEEK" | "GRANULARITY_MONTH" | "GRANULARITY_TOTAL";
export type Dimension = "DIMENSION_PLATFORM" | "DIMENSION_REGION" | "DIMENSION_SOURCE";

export interface InsightRow {
  bucket?: string;
  startTime?: string;
  endTime?: string;
  platform?: string;
  region?: string;
  source?: "SOURCE_TRACKED" | "SOURCE_PLATFORM" | string;
  metrics?: Metrics;
}

export interface Insights {
  campaignId?: string;
  currencyCode?: string;
  timeZone?: string;
  startDate?: string;
  endDate?: string;
  granularity?: Granularity;
  totals?: Metrics;
  rows?: InsightRow[];
  freshnessTime?: string;
}

export interface MetricComparison {
  tracked?: string;
  platform?: string;
  difference?: string;
  relativeDifference?: number;
}

export interface SourceComparisonRow {
  date?: string;
  platform?: string;
  impressions?: MetricComparison;
  clicks?: MetricComparison;
  conversions?: MetricComparison;
  costMicros?: MetricComparison;
  revenueMicros?: MetricComparison;
}

export interface SourceComparison {
  currencyCode?: string;
  timeZone?: string;
  startDate?: string;
  endDate?: string;
  rows?: SourceComparisonRow[];
  rangeTotals?: SourceComparisonRow[];
  freshnessTime?: string;
}

export interface BudgetPacing {
  spendMicros?: string;
  budgetMicros?: string;
  budgetUtilization?: number;
  state?: "PACING_STATE_ON_TRACK" | "PACING_STATE_APPROACHING" | "PACING_STATE_EXCEEDED" | string;
}

export interface LiveUpdate {
  campaignId?: string;
  totals?: Metrics;
  pacing?: BudgetPacing;
  freshnessTime?: string;
}

export interface PerformanceRow {
  campaignId: string;
  campaignName?: string;
  currencyCode?: string;
  timeZone?: string;
  metrics?: Metrics;
}

export type Role = "VIEWER" | "EDITOR" | "OWNER";

/** What the browser keeps (sessionStorage): the bearer credential and what it was. */
export interface Session {
  credential: string;
  kind: "user" | "api_key";
  email?: string;
  /** From the JWT payload; null for an API key (keys cannot change campaigns). */
  role: Role | null;
  expireTime?: string;
}

/** A non-2xx answer, with the google.rpc.Status body's message and ErrorInfo reason when present. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly reason?: string,
  ) {
    super(message);
  }
}

const SESSION_KEY = "tally.session";

export function loadSession(): Session | null {
  try {
    const raw = sessionStorage.getItem(SESSION_KEY);
    return raw ? (JSON.parse(raw) as Session) : null;
  } catch {
    return null;
  }
}

export function saveSession(session: Session | null): void {
  if (session) sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
  else sessionStorage.removeItem(SESSION_KEY);
}

/** The role claim of a Tally JWT (payload `role`), read without verifying: only to shape the UI; the services decide. */
export function roleOfToken(token: string): Role | null {
  const payload = token.split(".")[1];
  if (!payload) return null;
  try {
    const json = JSON.parse(atob(payload.replace(/-/g, "+").replace(/_/g, "/"))) as { role?: unknown };
    return json.role === "VIEWER" || json.role === "EDITOR" || json.role === "OWNER" ? json.role : null;
  } catch {
    return null;
  }
}

/** EDITOR and OWNER may run lifecycle actions; VIEWERs and API keys may not. */
export function canEdit(session: Session | null): boolean {
  return session?.role === "EDITOR" || session?.role === "OWNER";
}

function query(params: Record<string, string | string[] | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === "" || (Array.isArray(v) && v.length === 0)) continue;
    q.set(k, Array.isArray(v) ? v.join(",") : v);
  }
  const s = q.toString();
  return s ? `?${s}` : "";
}

/** Called when a credential is refused (401), so the app can send the user back to sign in. */
let onUnauthenticated: () => void = () => {};
export function setUnauthenticatedHandler(fn: () => void): void {
  onUnauthenticated = fn;
}

async function errorOf(res: Response): Promise<ApiError> {
  let message = `${res.status} ${res.statusText}`;
  let reason: string | undefined;
  try {
    const body = (await res.json()) as { message?: string; details?: { reason?: string }[] };
    if (body.message) message = body.message;
    reason = body.details?.find((d) => d.reason)?.reason;
  } catch {
    // Not JSON: keep the status line.
  }
  if (res.status === 401) onUnauthenticated();
  return new ApiError(res.status, message, reason);
}

async function call<T>(method: string, path: string, opts: { body?: unknown; credential?: string | null; signal?: AbortSignal } = {}): Promise<T> {
  const credential = opts.credential === undefined ? loadSession()?.credential : opts.credential;
  const headers: Record<string, string> = { accept: "application/json" };
  if (opts.body !== undefined) headers["content-type"] = "application/json";
  if (credential) headers.authorization = `Bearer ${credential}`;
  const res = await fetch(path, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body), signal: opts.signal });
  if (!res.ok) throw await errorOf(res);
  return (await res.json()) as T;
}

export async function login(email: string, password: string): Promise<Session> {
  const r = await call<{ accessToken: string; expireTime?: string; user?: { email?: string } }>("POST", "/v1/auth:login", {
    body: { email, password },
    credential: null,
  });
  return { credential: r.accessToken, kind: "user", email: r.user?.email ?? email, role: roleOfToken(r.accessToken), expireTime: r.expireTime };
}

/** Checks a pasted API key with a read the `read` scope allows, so a bad key fails at sign-in. */
export async function signInWithApiKey(key: string): Promise<Session> {
  await call("GET", `/v1/campaigns${query({ pageSize: "1" })}`, { credential: key });
  return { credential: key, kind: "api_key", role: null };
}

export async function listCampaigns(
  opts: { filter?: string; pageToken?: string; pageSize?: number; orderBy?: string } = {},
): Promise<{ campaigns: Campaign[]; nextPageToken: string }> {
  const r = await call<{ campaigns?: Campaign[]; nextPageToken?: string }>(
    "GET",
    `/v1/campaigns${query({ pageSize: String(opts.pageSize ?? 50), pageToken: opts.pageToken, filter: opts.filter, orderBy: opts.orderBy })}`,
  );
  return { campaigns: r.campaigns ?? [], nextPageToken: r.nextPageToken ?? "" };
}

export async function getCampaign(id: string): Promise<Campaign> {
  return (await call<{ campaign: Campaign }>("GET", `/v1/campaigns/${encodeURIComponent(id)}`)).campaign;
}

export type LifecycleAction = "launch" | "pause" | "resume" | "complete" | "cancel";

/** Runs a lifecycle action guarded by the etag the page read (ABORTED/409 when someone changed it since). */
export async function runLifecycle(campaign: Campaign, action: LifecycleAction): Promise<Campaign> {
  const body = campaign.etag ? { etag: campaign.etag } : {};
  return (await call<{ campaign: Campaign }>("POST", `/v1/campaigns/${encodeURIComponent(campaign.id)}:${action}`, { body })).campaign;
}

/** Which actions the lifecycle allows from a status (DESIGN §2.2). */
export function allowedActions(status: string): LifecycleAction[] {
  switch (status) {
    case "CAMPAIGN_STATUS_DRAFT":
      return ["launch", "cancel"];
    case "CAMPAIGN_STATUS_ACTIVE":
      return ["pause", "complete", "cancel"];
    case "CAMPAIGN_STATUS_PAUSED":
      return ["resume", "complete", "cancel"];
    default:
      return [];
  }
}

export interface InsightsQuery {
  startDate?: string;
  endDate?: string;
  granularity?: Granularity;
  breakdowns?: Dimension[];
  timeZone?: string;
}

export function insightsPath(campaignId: string, q: InsightsQuery): string {
  return `/v1/campaigns/${encodeURIComponent(campaignId)}/insights${query({
    startDate: q.startDate,
    endDate: q.endDate,
    granularity: q.granularity,
    breakdowns: q.breakdowns,
    timeZone: q.timeZone,
  })}`;
}

export async function getInsights(campaignId: string, q: InsightsQuery, signal?: AbortSignal): Promise<Insights> {
  return call<Insights>("GET", insightsPath(campaignId, q), { signal });
}

export async function getSourceComparison(
  campaignId: string,
  q: { startDate?: string; endDate?: string; timeZone?: string },
  signal?: AbortSignal,
): Promise<SourceComparison> {
  return call<SourceComparison>(
    "GET",
    `/v1/campaigns/${encodeURIComponent(campaignId)}/sourceComparison${query({ startDate: q.startDate, endDate: q.endDate, timeZone: q.timeZone })}`,
    { signal },
  );
}

export async function listPerformance(campaignIds: string[], startDate?: string): Promise<PerformanceRow[]> {
  if (campaignIds.length === 0) return [];
  const r = await call<{ rows?: PerformanceRow[] }>(
    "GET",
    `/v1/campaignPerformance${query({ campaignIds, startDate, pageSize: String(Math.min(1000, campaignIds.length)) })}`,
  );
  return r.rows ?? [];
}

/** A campaign's spend to date when the campaign itself carries it; undefined otherwise (the list then asks campaignPerformance). */
export function spendOf(campaign: Campaign): string | undefined {
  return campaign.spendMicros ?? campaign.spend?.spendMicros ?? campaign.spend?.costMicros;
}

/**
 * Follows GET /v1/campaigns/{id}/metrics:stream (NDJSON: one StreamCampaignMetricsResponse per
 * line) with fetch and a stream reader, so the bearer header goes along (EventSource cannot send
 * one). Reconnects with backoff until stopped; `onState` tells the page whether it is live.
 */
export function followLiveMetrics(
  campaignId: string,
  opts: { timeZone?: string; onUpdate: (u: LiveUpdate) => void; onState: (state: "connecting" | "live" | "retrying", detail?: string) => void },
): () => void {
  const abort = new AbortController();
  let attempt = 0;
  const path = `/v1/campaigns/${encodeURIComponent(campaignId)}/metrics:stream${query({ timeZone: opts.timeZone })}`;

  async function once(): Promise<void> {
    const credential = loadSession()?.credential;
    opts.onState("connecting");
    const res = await fetch(path, {
      headers: { accept: "application/x-ndjson", ...(credential ? { authorization: `Bearer ${credential}` } : {}) },
      signal: abort.signal,
    });
    if (!res.ok || !res.body) throw await errorOf(res);
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let nl: number;
      while ((nl = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, nl).trim();
        buffer = buffer.slice(nl + 1);
        if (!line) continue;
        const msg = JSON.parse(line) as LiveUpdate | { error?: { message?: string } } | { result?: LiveUpdate };
        // A gRPC-JSON stream line is the message itself; tolerate the {result}/{error} envelope some gateways use.
        if ("error" in msg && msg.error) throw new ApiError(500, msg.error.message ?? "stream error");
        attempt = 0;
        opts.onState("live");
        opts.onUpdate("result" in msg && msg.result ? msg.result : (msg as LiveUpdate));
      }
    }
  }

  void (async () => {
    while (!abort.signal.aborted) {
      try {
        await once();
      } catch (err) {
        if (abort.signal.aborted) return;
        if (err instanceof ApiError && (err.status === 401 || err.status === 403 || err.status === 404)) {
          opts.onState("retrying", err.message);
          return;
        }
        opts.onState("retrying", (err as Error).message);
      }
      if (abort.signal.aborted) return;
      attempt++;
      await new Promise((r) => setTimeout(r, Math.min(30_000, 500 * 2 ** Math.min(attempt, 6))));
    }
  })();
  return () => abort.abort();
}
