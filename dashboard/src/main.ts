/**
 * Tally's dashboard: a hash-routed single page (#/signin, #/campaigns, #/campaigns/{id}?…) on the
 * public REST API only (api.ts). No inline script or style anywhere: the edge serves it with a
 * strict Content-Security-Policy.
 */
import * as api from "./api.js";
import type { Campaign, Dimension, Granularity, Insights, InsightRow, LiveUpdate, Metrics, SourceComparison } from "./api.js";
import { categoryBars, destroyChart, timeSeries, type Series } from "./charts.js";
import { byId, h, table, type Child } from "./dom.js";
import * as f from "./format.js";
import "./app.css";

const main = byId("main");
const announcer = byId("announcer");
/** Whatever the current page must stop when the route changes (live stream, timers). */
let cleanups: (() => void)[] = [];

function announce(text: string): void {
  announcer.textContent = "";
  // A fresh text node after a tick, so screen readers announce a repeat of the same text too.
  setTimeout(() => (announcer.textContent = text), 50);
}

function errorBox(err: unknown): HTMLElement {
  const msg = err instanceof api.ApiError ? `${err.message}${err.reason ? ` (${err.reason})` : ""}` : (err as Error).message;
  return h("p", { class: "error", role: "alert" }, msg);
}

function setPage(name: string, title: string, ...children: Child[]): void {
  for (const c of cleanups) c();
  cleanups = [];
  main.querySelectorAll<HTMLElement>(".chart").forEach(destroyChart);
  main.dataset.page = name;
  document.title = `${title} · Tally`;
  main.replaceChildren(
    ...children.filter((c): c is Node | string => c !== null && c !== undefined && c !== false).map((c) => (typeof c === "number" ? String(c) : c)),
  );
  // Move focus to the new page's heading so keyboard and screen-reader users land on it.
  const h1 = main.querySelector("h1");
  if (h1) {
    h1.setAttribute("tabindex", "-1");
    h1.focus({ preventScroll: false });
  }
}

function renderHeader(): void {
  const session = api.loadSession();
  const who = byId("who");
  const signout = byId<HTMLButtonElement>("signout");
  if (!session) {
    who.textContent = "";
    signout.hidden = true;
    return;
  }
  const role = session.role ? session.role.charAt(0) + session.role.slice(1).toLowerCase() : "Read-only";
  who.textContent = session.kind === "api_key" ? `API key · ${role}` : `${session.email ?? "Signed in"} · ${role}`;
  signout.hidden = false;
}

// ---------------------------------------------------------------- sign in

function signInPage(): void {
  const status = h("div", { id: "signin-status" });
  const emailForm = h(
    "form",
    { id: "signin-form", class: "card", "aria-labelledby": "signin-email-title" },
    h("h2", { id: "signin-email-title" }, "Email and password"),
    h("label", { for: "email" }, "Email"),
    h("input", { id: "email", name: "email", type: "email", autocomplete: "username", required: true }),
    h("label", { for: "password" }, "Password"),
    h("input", { id: "password", name: "password", type: "password", autocomplete: "current-password", required: true }),
    h("button", { type: "submit" }, "Sign in"),
  );
  const keyForm = h(
    "form",
    { id: "apikey-form", class: "card", "aria-labelledby": "signin-key-title" },
    h("h2", { id: "signin-key-title" }, "API key"),
    h("label", { for: "apikey" }, "API key (tly_…, needs the read scope)"),
    h("input", { id: "apikey", name: "apikey", type: "password", autocomplete: "off", spellcheck: "false", required: true }),
    h("button", { type: "submit" }, "Use API key"),
  );
  const done = (session: api.Session) => {
    api.saveSession(session);
    renderHeader();
    location.hash = "#/campaigns";
  };
  const submit = (form: HTMLFormElement, run: () => Promise<api.Session>) => {
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const button = form.querySelector("button")!;
      button.disabled = true;
      status.replaceChildren(h("p", { role: "status" }, "Signing in…"));
      run()
        .then(done)
        .catch((err) => status.replaceChildren(errorBox(err)))
        .finally(() => (button.disabled = false));
    });
  };
  submit(emailForm, () => api.login((byId<HTMLInputElement>("email").value || "").trim(), byId<HTMLInputElement>("password").value));
  submit(keyForm, () => api.signInWithApiKey(byId<HTMLInputElement>("apikey").value.trim()));
  setPage(
    "signin",
    "Sign in",
    h("h1", {}, "Sign in to Tally"),
    h("p", { class: "muted" }, "Your session lasts until you close this tab."),
    status,
    h("div", { class: "signin" }, emailForm, keyForm),
  );
}

// ---------------------------------------------------------------- campaign list

const STATUS_FILTERS = ["", "ACTIVE", "PAUSED", "DRAFT", "COMPLETED", "CANCELLED"];

function statusBadge(status: string): HTMLElement {
  return h("span", { class: `badge status-${f.statusLabel(status).toLowerCase()}` }, f.statusLabel(status));
}

function budgetMeter(spendMicros: string | undefined, budgetMicros: string | undefined, label: string): Child {
  if (!spendMicros || !budgetMicros || budgetMicros === "0") return "—";
  const used = Number(spendMicros) / Number(budgetMicros);
  return h(
    "span",
    { class: "meter-cell" },
    h("meter", { min: 0, max: 1, low: 0.9, high: 0.999, optimum: 0, value: Math.min(used, 1), "aria-label": label }),
    ` ${f.percent(used, 1)}`,
  );
}

function campaignsPage(params: URLSearchParams): void {
  const statusValue = params.get("status") ?? "";
  const nameValue = params.get("q") ?? "";
  const results = h("div", { id: "campaigns-results", "aria-busy": "true" }, h("p", { role: "status" }, "Loading campaigns…"));
  const form = h(
    "form",
    { id: "campaign-filter", class: "filters", role: "search", "aria-label": "Filter campaigns" },
    h("label", { for: "filter-status" }, "Status"),
    h(
      "select",
      { id: "filter-status", name: "status" },
      ...STATUS_FILTERS.map((s) => h("option", { value: s, selected: s === statusValue }, s ? f.statusLabel(`CAMPAIGN_STATUS_${s}`) : "All")),
    ),
    h("label", { for: "filter-name" }, "Name contains"),
    h("input", { id: "filter-name", name: "q", type: "search", value: nameValue }),
    h("button", { type: "submit" }, "Filter"),
  );
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const q = new URLSearchParams();
    const s = byId<HTMLSelectElement>("filter-status").value;
    const n = byId<HTMLInputElement>("filter-name").value.trim();
    if (s) q.set("status", s);
    if (n) q.set("q", n);
    location.hash = `#/campaigns${q.size ? `?${q}` : ""}`;
  });
  setPage("campaigns", "Campaigns", h("h1", {}, "Campaigns"), form, results);

  const filter = [statusValue ? `status=${statusValue}` : "", nameValue ? `name:${nameValue.replace(/[\\"]/g, "")}` : ""].filter(Boolean).join(" AND ");
  const rows: { campaign: Campaign; perf?: api.PerformanceRow }[] = [];
  const startDate = f.addDays(f.todayIn("UTC"), -398);

  const render = (nextPageToken: string) => {
    results.setAttribute("aria-busy", "false");
    if (rows.length === 0) {
      results.replaceChildren(h("p", {}, "No campaigns match."));
      return;
    }
    const t = table({
      id: "campaigns-table",
      caption: "Campaigns: status, spend to date against budget (since launch, up to 400 days) and budget pacing",
      columns: ["Campaign", "Status", "Budget", "Spend", "Budget used", "Pacing", "Impressions", "Clicks", "Conversions", "CTR"],
      numericFrom: 2,
      rows: rows.map(({ campaign: c, perf }) => {
        const spend = api.spendOf(c) ?? perf?.metrics?.costMicros;
        const state = f.pacingState(spend, c.budgetMicros);
        return {
          cells: [
            h("a", { href: `#/campaigns/${encodeURIComponent(c.id)}` }, c.name),
            statusBadge(c.status),
            f.money(c.budgetMicros, c.currencyCode),
            f.money(spend, c.currencyCode),
            budgetMeter(spend, c.budgetMicros, `Budget used by ${c.name}`),
            h("span", { class: `pacing pacing-${(state ?? "none").toLowerCase()}` }, f.pacingLabel(state)),
            f.count(perf?.metrics?.impressions),
            f.count(perf?.metrics?.clicks),
            f.count(perf?.metrics?.conversions),
            f.percent(perf?.metrics?.ctr),
          ],
          data: { campaignId: c.id, status: c.status, spendMicros: spend ?? "", budgetMicros: c.budgetMicros ?? "" },
        };
      }),
    });
    const more = nextPageToken ? h("button", { type: "button", id: "load-more", onclick: () => void load(nextPageToken) }, "Load more campaigns") : null;
    results.replaceChildren(h("div", { class: "table-wrap" }, t), more ?? "");
  };

  const load = async (pageToken?: string) => {
    results.setAttribute("aria-busy", "true");
    try {
      const page = await api.listCampaigns({ filter: filter || undefined, pageToken });
      const needPerf = page.campaigns.filter((c) => c.status !== "CAMPAIGN_STATUS_DRAFT").map((c) => c.id);
      let perf: api.PerformanceRow[] = [];
      try {
        perf = await api.listPerformance(needPerf, startDate);
      } catch (err) {
        results.prepend(errorBox(err));
      }
      const byCampaign = new Map(perf.map((p) => [p.campaignId, p]));
      for (const c of page.campaigns) rows.push({ campaign: c, perf: byCampaign.get(c.id) });
      render(page.nextPageToken);
      if (pageToken) announce(`${page.campaigns.length} more campaigns loaded`);
    } catch (err) {
      results.setAttribute("aria-busy", "false");
      results.replaceChildren(errorBox(err));
    }
  };
  void load();
}

// ---------------------------------------------------------------- campaign page

const GRANULARITIES: [Granularity, string][] = [
  ["GRANULARITY_HOUR", "Hour"],
  ["GRANULARITY_DAY", "Day"],
  ["GRANULARITY_WEEK", "Week (ISO)"],
  ["GRANULARITY_MONTH", "Month"],
  ["GRANULARITY_TOTAL", "Whole range"],
];
const DIMENSIONS: [Dimension, string][] = [
  ["DIMENSION_PLATFORM", "Platform"],
  ["DIMENSION_REGION", "Region"],
  ["DIMENSION_SOURCE", "Source"],
];
type BaseMetric = "impressions" | "clicks" | "conversions" | "costMicros" | "revenueMicros";
const BASE_METRICS: [BaseMetric, string, "count" | "money"][] = [
  ["impressions", "Impressions", "count"],
  ["clicks", "Clicks", "count"],
  ["conversions", "Conversions", "count"],
  ["costMicros", "Spend", "money"],
  ["revenueMicros", "Revenue", "money"],
];
const ACTION_LABEL: Record<api.LifecycleAction, string> = {
  launch: "Launch",
  pause: "Pause",
  resume: "Resume",
  complete: "Complete",
  cancel: "Cancel campaign",
};

interface ReportState {
  startDate: string;
  endDate: string;
  granularity: Granularity;
  timeZone: string;
  dimension: Dimension;
  breakdownMetric: BaseMetric;
  compareMetric: BaseMetric;
}

function reportHash(id: string, s: ReportState): string {
  const q = new URLSearchParams({ start: s.startDate, end: s.endDate, g: s.granularity.replace("GRANULARITY_", ""), tz: s.timeZone });
  q.set("by", s.dimension.replace("DIMENSION_", ""));
  q.set("m", s.breakdownMetric);
  q.set("cmp", s.compareMetric);
  return `#/campaigns/${encodeURIComponent(id)}?${q}`;
}

function metricCells(m: Metrics | undefined, currency: string | undefined): Child[] {
  return [
    f.count(m?.impressions),
    f.count(m?.clicks),
    f.count(m?.conversions),
    f.money(m?.costMicros, currency),
    f.money(m?.revenueMicros, currency),
    f.percent(m?.ctr),
    f.money(m?.cpcMicros, currency),
    f.money(m?.cpmMicros, currency),
    f.money(m?.cpaMicros, currency),
    f.multiple(m?.roas),
    f.percent(m?.conversionRate),
  ];
}
const METRIC_COLUMNS = ["Impressions", "Clicks", "Conversions", "Spend", "Revenue", "CTR", "CPC", "CPM", "CPA", "ROAS", "Conv. rate"];

function metricData(m: Metrics | undefined): Record<string, string> {
  return {
    impressions: m?.impressions ?? "0",
    clicks: m?.clicks ?? "0",
    conversions: m?.conversions ?? "0",
    costMicros: m?.costMicros ?? "0",
    revenueMicros: m?.revenueMicros ?? "0",
  };
}

function totalsList(m: Metrics | undefined, currency: string | undefined, id: string, attr: string): HTMLElement {
  const items: [string, string, string][] = [
    ["impressions", "Impressions", f.count(m?.impressions)],
    ["clicks", "Clicks", f.count(m?.clicks)],
    ["conversions", "Conversions", f.count(m?.conversions)],
    ["costMicros", "Spend", f.money(m?.costMicros, currency)],
    ["revenueMicros", "Revenue", f.money(m?.revenueMicros, currency)],
    ["ctr", "CTR", f.percent(m?.ctr)],
    ["cpcMicros", "CPC", f.money(m?.cpcMicros, currency)],
    ["cpmMicros", "CPM", f.money(m?.cpmMicros, currency)],
    ["cpaMicros", "CPA", f.money(m?.cpaMicros, currency)],
    ["roas", "ROAS", f.multiple(m?.roas)],
    ["conversionRate", "Conversion rate", f.percent(m?.conversionRate)],
    ["filteredEvents", "Filtered (bots)", f.count(m?.filteredEvents)],
  ];
  return h(
    "dl",
    { id, class: "tiles" },
    ...items.map(([key, label, text]) => {
      const raw = (m as Record<string, unknown> | undefined)?.[key];
      return h("div", { class: "tile" }, h("dt", {}, label), h("dd", { [attr]: key, "data-value": raw === undefined ? "" : String(raw) }, text));
    }),
  );
}

function campaignPage(id: string, params: URLSearchParams): void {
  const session = api.loadSession();
  const header = h("div", { id: "campaign-header" }, h("h1", {}, "Campaign"), h("p", { role: "status" }, "Loading…"));
  setPage("campaign", "Campaign", h("nav", { "aria-label": "Breadcrumb" }, h("a", { href: "#/campaigns" }, "← All campaigns")), header);

  api
    .getCampaign(id)
    .then((campaign) => renderCampaign(campaign, params, session))
    .catch((err) => header.replaceChildren(h("h1", {}, "Campaign"), errorBox(err)));
}

function renderCampaign(initial: Campaign, params: URLSearchParams, session: api.Session | null): void {
  let campaign = initial;
  const tz0 = params.get("tz") || campaign.timeZone || "UTC";
  const end0 = params.get("end") || f.todayIn(tz0);
  const state: ReportState = {
    timeZone: tz0,
    endDate: end0,
    startDate: params.get("start") || f.addDays(end0, -29),
    granularity: (`GRANULARITY_${params.get("g") ?? "DAY"}` as Granularity) || "GRANULARITY_DAY",
    dimension: (`DIMENSION_${params.get("by") ?? "PLATFORM"}` as Dimension) || "DIMENSION_PLATFORM",
    breakdownMetric: (params.get("m") as BaseMetric) || "impressions",
    compareMetric: (params.get("cmp") as BaseMetric) || "impressions",
  };
  if (!GRANULARITIES.some(([g]) => g === state.granularity)) state.granularity = "GRANULARITY_DAY";
  if (!DIMENSIONS.some(([d]) => d === state.dimension)) state.dimension = "DIMENSION_PLATFORM";
  if (!BASE_METRICS.some(([m]) => m === state.breakdownMetric)) state.breakdownMetric = "impressions";
  if (!BASE_METRICS.some(([m]) => m === state.compareMetric)) state.compareMetric = "impressions";
  const currency = campaign.currencyCode;

  // -- header and lifecycle
  const headerBox = byId("campaign-header");
  const actionStatus = h("div", { id: "action-status" });
  const renderHead = () => {
    const actions = api.canEdit(session) ? api.allowedActions(campaign.status) : [];
    headerBox.replaceChildren(
      h("h1", { tabindex: "-1" }, campaign.name, " ", statusBadge(campaign.status)),
      h(
        "dl",
        { class: "facts" },
        ...(
          [
            ["Type", f.enumLabel(campaign.type, "CAMPAIGN_TYPE_")],
            ["Budget", f.money(campaign.budgetMicros, currency)],
            ["Currency", currency ?? "—"],
            ["Time zone", campaign.timeZone ?? "—"],
            ["Platforms", (campaign.platforms ?? []).join(", ") || "—"],
            ["Launched", f.instant(campaign.launchTime, campaign.timeZone)],
          ] as const
        ).map(([k, v]) => h("div", {}, h("dt", {}, k), h("dd", {}, v))),
      ),
      api.canEdit(session)
        ? h(
            "section",
            { id: "lifecycle", "aria-labelledby": "lifecycle-title" },
            h("h2", { id: "lifecycle-title", class: "visually-hidden" }, "Lifecycle actions"),
            actions.length === 0
              ? h("p", { class: "muted" }, "No lifecycle actions remain for this campaign.")
              : h(
                  "div",
                  { class: "actions" },
                  ...actions.map((a) =>
                    h(
                      "button",
                      { type: "button", class: a === "cancel" || a === "complete" ? "danger" : "", "data-action": a, onclick: () => void act(a) },
                      ACTION_LABEL[a],
                    ),
                  ),
                ),
            actionStatus,
          )
        : "",
    );
    main.dataset.campaignStatus = campaign.status;
  };
  const act = async (action: api.LifecycleAction) => {
    if ((action === "cancel" || action === "complete") && !confirm(`${ACTION_LABEL[action]} “${campaign.name}”? This cannot be undone.`)) return;
    actionStatus.replaceChildren(h("p", { role: "status" }, `${ACTION_LABEL[action]}…`));
    try {
      campaign = await api.runLifecycle(campaign, action);
      renderHead();
      byId("action-status").replaceChildren();
      announce(`Campaign is now ${f.statusLabel(campaign.status)}`);
      (headerBox.querySelector("h1") as HTMLElement).focus();
    } catch (err) {
      byId("action-status").replaceChildren(errorBox(err));
    }
  };
  renderHead();

  // -- live
  const liveState = h("p", { id: "live-state", class: "live-state", "data-state": "connecting" }, "Connecting…");
  const liveBox = h("div", { id: "live-box", "aria-live": "polite", "aria-atomic": "false" }, totalsList(undefined, currency, "live-totals", "data-live"));
  const pacingBox = h("div", { id: "pacing" });
  const live = h(
    "section",
    { id: "live", class: "panel", "aria-labelledby": "live-title" },
    h("h2", { id: "live-title" }, "Today, live"),
    liveState,
    liveBox,
    pacingBox,
  );

  // -- report controls
  const tzList = h("datalist", { id: "tz-list" }, ...timeZones().map((z) => h("option", { value: z })));
  const form = h(
    "form",
    { id: "report-form", class: "filters", "aria-label": "Report range" },
    h("label", { for: "start-date" }, "From"),
    h("input", { id: "start-date", type: "date", value: state.startDate, required: true }),
    h("label", { for: "end-date" }, "To"),
    h("input", { id: "end-date", type: "date", value: state.endDate, required: true }),
    h("label", { for: "granularity" }, "Granularity"),
    h("select", { id: "granularity" }, ...GRANULARITIES.map(([g, l]) => h("option", { value: g, selected: g === state.granularity }, l))),
    h("label", { for: "time-zone" }, "Time zone"),
    h("input", { id: "time-zone", list: "tz-list", value: state.timeZone, required: true, spellcheck: "false", autocomplete: "off" }),
    tzList,
    h("button", { type: "submit" }, "Apply"),
  );
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    state.startDate = byId<HTMLInputElement>("start-date").value;
    state.endDate = byId<HTMLInputElement>("end-date").value;
    state.granularity = byId<HTMLSelectElement>("granularity").value as Granularity;
    const tz = byId<HTMLInputElement>("time-zone").value.trim();
    const tzChanged = tz !== state.timeZone;
    state.timeZone = tz;
    history.replaceState(null, "", reportHash(campaign.id, state));
    void loadReport();
    if (tzChanged) startLive();
  });

  const reportStatus = h("div", { id: "report-status" });
  const totalsBox = h("div", { id: "totals-box" });
  const seriesChart = h("div", {
    class: "chart",
    id: "series-chart",
    role: "img",
    "aria-label": "Chart of impressions, clicks, conversions and spend over time",
  });
  const seriesTableBox = h("div", { class: "table-wrap", id: "series-table-box" });

  const breakdownMetricSelect = metricSelect("breakdown-metric", state.breakdownMetric, (m) => {
    state.breakdownMetric = m;
    history.replaceState(null, "", reportHash(campaign.id, state));
    drawBreakdown();
  });
  const dimensionSelect = h(
    "select",
    { id: "breakdown-dimension" },
    ...DIMENSIONS.map(([d, l]) => h("option", { value: d, selected: d === state.dimension }, l)),
  );
  dimensionSelect.addEventListener("change", () => {
    state.dimension = dimensionSelect.value as Dimension;
    history.replaceState(null, "", reportHash(campaign.id, state));
    void loadBreakdown();
  });
  const breakdownChart = h("div", { class: "chart", id: "breakdown-chart", role: "img", "aria-label": "Bar chart of the breakdown" });
  const breakdownTableBox = h("div", { class: "table-wrap", id: "breakdown-table-box" });

  const compareMetricSelect = metricSelect("compare-metric", state.compareMetric, (m) => {
    state.compareMetric = m;
    history.replaceState(null, "", reportHash(campaign.id, state));
    drawComparison();
  });
  const compareChart = h("div", { class: "chart", id: "compare-chart", role: "img", "aria-label": "Chart of tracked and platform-reported numbers per day" });
  const compareTableBox = h("div", { class: "table-wrap", id: "compare-table-box" });

  main.append(
    live,
    h(
      "section",
      { id: "report", class: "panel", "aria-labelledby": "report-title" },
      h("h2", { id: "report-title" }, "Performance"),
      form,
      reportStatus,
      totalsBox,
      h("h3", {}, "Over time"),
      seriesChart,
      seriesTableBox,
    ),
    h(
      "section",
      { id: "breakdown", class: "panel", "aria-labelledby": "breakdown-title" },
      h("h2", { id: "breakdown-title" }, "Breakdown"),
      h(
        "div",
        { class: "filters" },
        h("label", { for: "breakdown-dimension" }, "By"),
        dimensionSelect,
        h("label", { for: "breakdown-metric" }, "Chart"),
        breakdownMetricSelect,
      ),
      breakdownChart,
      breakdownTableBox,
    ),
    h(
      "section",
      { id: "comparison", class: "panel", "aria-labelledby": "comparison-title" },
      h("h2", { id: "comparison-title" }, "Tracked vs platform-reported"),
      h(
        "p",
        { class: "muted" },
        "First-party tracked events beside what the ad platforms report for the same days. Difference is platform − tracked; relative difference is against tracked.",
      ),
      h("div", { class: "filters" }, h("label", { for: "compare-metric" }, "Metric"), compareMetricSelect),
      compareChart,
      compareTableBox,
    ),
  );

  // -- report loading
  let insights: Insights | undefined;
  let breakdown: Insights | undefined;
  let comparison: SourceComparison | undefined;
  let reportAbort: AbortController | undefined;

  const loadReport = async () => {
    reportAbort?.abort();
    const abort = (reportAbort = new AbortController());
    const report = byId("report");
    report.setAttribute("aria-busy", "true");
    report.dataset.state = "loading";
    reportStatus.replaceChildren();
    const q = { startDate: state.startDate, endDate: state.endDate, timeZone: state.timeZone };
    const results = await Promise.allSettled([
      api.getInsights(campaign.id, { ...q, granularity: state.granularity }, abort.signal),
      api.getInsights(campaign.id, { ...q, granularity: "GRANULARITY_TOTAL", breakdowns: [state.dimension] }, abort.signal),
      api.getSourceComparison(campaign.id, q, abort.signal),
    ]);
    if (abort.signal.aborted) return;
    report.setAttribute("aria-busy", "false");
    const [a, b, c] = results;
    const problems: unknown[] = [];
    if (a.status === "fulfilled") insights = a.value;
    else problems.push(a.reason);
    if (b.status === "fulfilled") breakdown = b.value;
    else problems.push(b.reason);
    if (c.status === "fulfilled") comparison = c.value;
    else problems.push(c.reason);
    if (problems.length > 0) {
      reportStatus.replaceChildren(...problems.map(errorBox));
      report.dataset.state = "error";
    }
    if (a.status === "fulfilled") drawSeries();
    if (b.status === "fulfilled") drawBreakdown();
    if (c.status === "fulfilled") drawComparison();
    if (problems.length === 0) {
      report.dataset.state = "ready";
      announce(`Report updated: ${insights?.startDate} to ${insights?.endDate}, ${state.timeZone}`);
    }
  };

  const loadBreakdown = async () => {
    try {
      breakdown = await api.getInsights(campaign.id, {
        startDate: state.startDate,
        endDate: state.endDate,
        timeZone: state.timeZone,
        granularity: "GRANULARITY_TOTAL",
        breakdowns: [state.dimension],
      });
      drawBreakdown();
    } catch (err) {
      breakdownTableBox.replaceChildren(errorBox(err));
    }
  };

  const drawSeries = () => {
    if (!insights) return;
    const cur = insights.currencyCode || currency;
    totalsBox.replaceChildren(
      h(
        "p",
        { class: "muted" },
        `${insights.startDate} to ${insights.endDate} in ${insights.timeZone} · data up to ${f.instant(insights.freshnessTime, insights.timeZone)}`,
      ),
      totalsList(insights.totals, cur, "report-totals", "data-total"),
    );
    const rows = (insights.rows ?? []).filter((r) => r.startTime);
    const hourly = insights.granularity === "GRANULARITY_HOUR";
    if (rows.length === 0) {
      destroyChart(seriesChart);
      seriesChart.replaceChildren(h("p", { class: "muted" }, "The whole range is one bucket: see the totals above."));
    } else {
      const series: Series[] = [
        { label: "Impressions", scale: "count", values: rows.map((r) => f.num(r.metrics?.impressions)) },
        { label: "Clicks", scale: "count", values: rows.map((r) => f.num(r.metrics?.clicks)) },
        { label: "Conversions", scale: "count", values: rows.map((r) => f.num(r.metrics?.conversions)) },
        { label: `Spend (${cur})`, scale: "money", values: rows.map((r) => f.unitsOfMicros(r.metrics?.costMicros)) },
      ];
      timeSeries(seriesChart, {
        x: rows.map((r) => Date.parse(r.startTime!) / 1000),
        series,
        timeZone: insights.timeZone,
        currency: cur,
        bars: rows.length <= 2,
      });
    }
    const t = table({
      id: "series-table",
      caption: `${enumText(insights.granularity)} buckets in ${insights.timeZone}`,
      columns: [hourly ? "Hour" : "Bucket", ...METRIC_COLUMNS],
      rows: (insights.rows ?? []).map((r: InsightRow) => ({
        cells: [r.bucket || "Total", ...metricCells(r.metrics, cur)],
        data: { bucket: r.bucket ?? "", ...metricData(r.metrics) },
      })),
    });
    Object.assign(t.dataset, {
      startDate: insights.startDate ?? "",
      endDate: insights.endDate ?? "",
      timeZone: insights.timeZone ?? "",
      granularity: insights.granularity ?? "",
    });
    seriesTableBox.replaceChildren(t);
  };

  const drawBreakdown = () => {
    if (!breakdown) return;
    const cur = breakdown.currencyCode || currency;
    const label = (r: InsightRow) =>
      state.dimension === "DIMENSION_PLATFORM"
        ? r.platform || "—"
        : state.dimension === "DIMENSION_REGION"
          ? r.region || "—"
          : f.enumLabel(r.source, "SOURCE_");
    const rows = breakdown.rows ?? [];
    const [key, metricLabel, scale] = BASE_METRICS.find(([m]) => m === state.breakdownMetric)!;
    const dimLabel = DIMENSIONS.find(([d]) => d === state.dimension)![1];
    if (rows.length === 0) {
      destroyChart(breakdownChart);
      breakdownChart.replaceChildren(h("p", { class: "muted" }, "No data in this range."));
    } else {
      breakdownChart.setAttribute("aria-label", `Bar chart of ${metricLabel.toLowerCase()} by ${dimLabel.toLowerCase()}`);
      categoryBars(breakdownChart, {
        labels: rows.map(label),
        currency: cur,
        series: { label: metricLabel, scale, values: rows.map((r) => (scale === "money" ? f.unitsOfMicros(r.metrics?.[key]) : f.num(r.metrics?.[key]))) },
      });
    }
    breakdownTableBox.replaceChildren(
      table({
        id: "breakdown-table",
        caption: `By ${dimLabel.toLowerCase()}, ${breakdown.startDate} to ${breakdown.endDate}`,
        columns: [dimLabel, ...METRIC_COLUMNS],
        rows: rows.map((r) => ({ cells: [label(r), ...metricCells(r.metrics, cur)], data: { key: label(r), ...metricData(r.metrics) } })),
      }),
    );
  };

  const drawComparison = () => {
    if (!comparison) return;
    const cur = comparison.currencyCode || currency;
    const [key, metricLabel, scale] = BASE_METRICS.find(([m]) => m === state.compareMetric)!;
    const show = (v: string | undefined) => (scale === "money" ? f.money(v, cur) : f.count(v));
    const value = (v: string | undefined) => (scale === "money" ? f.unitsOfMicros(v) : f.num(v));
    // Per day, summed over platforms (the same metric from the same source adds up).
    const days = new Map<string, { tracked: number; platform: number }>();
    for (const r of comparison.rows ?? []) {
      const d = days.get(r.date ?? "") ?? { tracked: 0, platform: 0 };
      d.tracked += value(r[key]?.tracked);
      d.platform += value(r[key]?.platform);
      days.set(r.date ?? "", d);
    }
    const dates = [...days.keys()].sort();
    if (dates.length === 0) {
      destroyChart(compareChart);
      compareChart.replaceChildren(h("p", { class: "muted" }, "Neither source has data in this range."));
    } else {
      compareChart.setAttribute("aria-label", `Chart of tracked and platform-reported ${metricLabel.toLowerCase()} per day`);
      timeSeries(compareChart, {
        // Each day at noon UTC, labelled in UTC: the axis shows the report's calendar dates.
        x: dates.map((d) => Date.parse(`${d}T12:00:00Z`) / 1000),
        timeZone: "UTC",
        currency: cur,
        bars: dates.length <= 2,
        series: [
          { label: `Tracked ${metricLabel.toLowerCase()}`, scale: scale, values: dates.map((d) => days.get(d)!.tracked) },
          { label: `Platform ${metricLabel.toLowerCase()}`, scale: scale, values: dates.map((d) => days.get(d)!.platform) },
        ],
      });
    }
    const cmpRow = (first: string, r: api.SourceComparisonRow) => ({
      cells: [first, show(r[key]?.tracked), show(r[key]?.platform), show(r[key]?.difference), f.percent(r[key]?.relativeDifference, 1)],
      data: {
        platform: r.platform ?? "",
        date: r.date ?? "",
        tracked: r[key]?.tracked ?? "0",
        platformValue: r[key]?.platform ?? "0",
        difference: r[key]?.difference ?? "0",
      },
    });
    compareTableBox.replaceChildren(
      table({
        id: "compare-totals-table",
        caption: `${metricLabel}, ${comparison.startDate} to ${comparison.endDate}, per platform`,
        columns: ["Platform", "Tracked", "Platform-reported", "Difference", "Relative"],
        rows: (comparison.rangeTotals ?? []).map((r) => cmpRow(r.platform ?? "—", r)),
      }),
      h(
        "details",
        {},
        h("summary", {}, "Per day and platform"),
        table({
          id: "compare-days-table",
          caption: `${metricLabel} per day (${comparison.timeZone}) and platform`,
          columns: ["Day · platform", "Tracked", "Platform-reported", "Difference", "Relative"],
          rows: (comparison.rows ?? []).map((r) => cmpRow(`${r.date} · ${r.platform}`, r)),
        }),
      ),
    );
  };

  // -- live updates
  let stopLive: (() => void) | undefined;
  let lastLive: string | undefined;
  let refreshTimer: ReturnType<typeof setTimeout> | undefined;
  const onLive = (u: LiveUpdate) => {
    const fresh = totalsList(u.totals, currency, "live-totals", "data-live");
    // Update numbers in place, so the live region announces only what changed.
    const old = byId("live-totals");
    old.querySelectorAll<HTMLElement>("dd").forEach((dd, i) => {
      const next = fresh.querySelectorAll<HTMLElement>("dd")[i]!;
      if (dd.textContent !== next.textContent) dd.textContent = next.textContent;
      dd.dataset.value = next.dataset.value;
    });
    liveBox.dataset.freshness = u.freshnessTime ?? "";
    const p = u.pacing;
    pacingBox.replaceChildren(
      p
        ? h(
            "p",
            { id: "pacing-line", "data-state": p.state ?? "" },
            h("strong", {}, "Budget: "),
            `${f.money(p.spendMicros, currency)} spent of ${f.money(p.budgetMicros, currency)} `,
            budgetMeter(p.spendMicros, p.budgetMicros, "Budget used"),
            " · ",
            h("span", { class: `pacing pacing-${(p.state ?? "").replace("PACING_STATE_", "").toLowerCase()}` }, f.pacingLabel(p.state)),
          )
        : "",
    );
    const signature = JSON.stringify(u.totals ?? {});
    // New data: refresh the report too (debounced) when its range reaches today.
    if (lastLive !== undefined && signature !== lastLive && state.endDate >= f.todayIn(state.timeZone)) {
      clearTimeout(refreshTimer);
      refreshTimer = setTimeout(() => void loadReport(), 5_000);
    }
    lastLive = signature;
  };
  const startLive = () => {
    stopLive?.();
    lastLive = undefined;
    stopLive = api.followLiveMetrics(campaign.id, {
      timeZone: state.timeZone,
      onUpdate: onLive,
      onState: (s, detail) => {
        liveState.dataset.state = s;
        liveState.textContent = s === "live" ? `● Live (today in ${state.timeZone})` : s === "connecting" ? "Connecting…" : `Reconnecting… ${detail ?? ""}`;
      },
    });
  };
  cleanups.push(() => {
    stopLive?.();
    clearTimeout(refreshTimer);
    reportAbort?.abort();
  });
  startLive();
  void loadReport();
}

function metricSelect(id: string, value: BaseMetric, onChange: (m: BaseMetric) => void): HTMLSelectElement {
  const s = h("select", { id }, ...BASE_METRICS.map(([m, l]) => h("option", { value: m, selected: m === value }, l)));
  s.addEventListener("change", () => onChange(s.value as BaseMetric));
  return s;
}

function enumText(g: string | undefined): string {
  return GRANULARITIES.find(([x]) => x === g)?.[1] ?? "Report";
}

function timeZones(): string[] {
  try {
    return (Intl as unknown as { supportedValuesOf(k: string): string[] }).supportedValuesOf("timeZone");
  } catch {
    return ["UTC"];
  }
}

// ---------------------------------------------------------------- router

function route(): void {
  const session = api.loadSession();
  const [path = "", qs = ""] = location.hash.replace(/^#/, "").split("?");
  const params = new URLSearchParams(qs);
  renderHeader();
  if (!session || path === "/signin") return signInPage();
  const m = /^\/campaigns\/([^/]+)$/.exec(path);
  if (m) return campaignPage(decodeURIComponent(m[1]!), params);
  return campaignsPage(params);
}

api.setUnauthenticatedHandler(() => {
  api.saveSession(null);
  if (!location.hash.startsWith("#/signin")) location.hash = "#/signin";
});
byId("signout").addEventListener("click", () => {
  api.saveSession(null);
  location.hash = "#/signin";
  announce("Signed out");
});
window.addEventListener("hashchange", route);
route();
