/**
 * The dashboard in a real browser (Debian's headless Chromium through playwright-core) against the
 * running stack: Envoy serves the page and its API. The test makes its own organization (an OWNER
 * and a VIEWER), a launched campaign in UTC, tracked events on two days and a platform report row,
 * then checks what a user sees: the chart's day totals equal the insights API's, a new event
 * shows up live within 2 s, time zone and breakdowns work, tracked vs platform shows the
 * discrepancy, the OWNER can pause, and the VIEWER sees no lifecycle buttons.
 * Screenshots: test-results/screenshots/dashboard-*.png (git-ignored).
 */
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { launchBrowser, type Browser } from "../support/browser.js";
import { stack, uniqueName } from "../support/stack.js";
import { eventually, rest } from "./rest.js";

const SHOTS = fileURLToPath(new URL("../../test-results/screenshots/", import.meta.url));
const PASSWORD = "dashboard e2e 123";
const BASE = ["impressions", "clicks", "conversions", "costMicros", "revenueMicros"] as const;

const utcDate = (d: Date) => d.toISOString().slice(0, 10);
const startOfTodayUtc = () => Date.parse(`${utcDate(new Date())}T00:00:00Z`);

interface Fixture {
  ownerEmail: string;
  viewerEmail: string;
  ownerToken: string;
  campaignId: string;
  campaignName: string;
  yesterday: string;
  today: string;
}

async function seed(): Promise<Fixture> {
  const ownerEmail = `${uniqueName("dash-owner")}@example.com`;
  const viewerEmail = `${uniqueName("dash-viewer")}@example.com`;
  const reg = await rest("POST", "/v1/auth:register", { body: { email: ownerEmail, password: PASSWORD, organizationName: "Dashboard E2E" } });
  assert.equal(reg.status, 200, JSON.stringify(reg.body));
  const ownerToken: string = reg.body.accessToken;
  const viewer = await rest("POST", "/v1/users", { token: ownerToken, body: { email: viewerEmail, password: PASSWORD, role: "ROLE_VIEWER" } });
  assert.equal(viewer.status, 200, JSON.stringify(viewer.body));
  const campaignName = uniqueName("Dashboard ");
  const created = await rest("POST", "/v1/campaigns", {
    token: ownerToken,
    body: {
      name: campaignName,
      type: "CAMPAIGN_TYPE_PROMOTION",
      currencyCode: "USD",
      budgetMicros: "100000000",
      timeZone: "UTC",
      platforms: ["meta", "google"],
    },
  });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  const campaignId: string = created.body.campaign.id;
  const launched = await rest("POST", `/v1/campaigns/${campaignId}:launch`, { token: ownerToken, body: {} });
  assert.equal(launched.status, 200, JSON.stringify(launched.body));

  const today = utcDate(new Date());
  const yesterday = utcDate(new Date(startOfTodayUtc() - 86_400_000));
  const yesterdayNoon = `${yesterday}T12:00:00Z`;
  // A minute ago, but never before today's midnight (UTC).
  const justNow = new Date(Math.max(Date.now() - 60_000, startOfTodayUtc() + 1000)).toISOString();
  const prefix = uniqueName("dash");
  let n = 0;
  const ev = (type: string, platform: string, region: string, occurTime: string, extra: object = {}) => ({
    eventId: `${prefix}-${n++}`,
    campaignId,
    type,
    platform,
    region,
    occurTime,
    ...extra,
  });
  const events = [
    // Yesterday: meta/US 4 impressions, 2 clicks ($0.50 each), 1 conversion worth $10; google/DE 2 impressions, 1 click ($0.75).
    ...Array.from({ length: 4 }, () => ev("EVENT_TYPE_IMPRESSION", "meta", "US", yesterdayNoon)),
    ...Array.from({ length: 2 }, () => ev("EVENT_TYPE_CLICK", "meta", "US", yesterdayNoon, { costMicros: "500000" })),
    ev("EVENT_TYPE_CONVERSION", "meta", "US", yesterdayNoon, { valueMicros: "10000000" }),
    ...Array.from({ length: 2 }, () => ev("EVENT_TYPE_IMPRESSION", "google", "DE", yesterdayNoon)),
    ev("EVENT_TYPE_CLICK", "google", "DE", yesterdayNoon, { costMicros: "750000" }),
    // Today: google/DE 3 impressions, 1 click ($0.25).
    ...Array.from({ length: 3 }, () => ev("EVENT_TYPE_IMPRESSION", "google", "DE", justNow)),
    ev("EVENT_TYPE_CLICK", "google", "DE", justNow, { costMicros: "250000" }),
  ];
  const ingested = await rest("POST", "/v1/events:ingest", { token: ownerToken, body: { events } });
  assert.equal(ingested.status, 200, JSON.stringify(ingested.body));
  assert.equal(ingested.body.counts.accepted, String(events.length), JSON.stringify(ingested.body.counts));
  // Meta's own report for yesterday: 5 impressions (tracking saw 4), 2 clicks, $1.50.
  const report = await rest("POST", "/v1/platformReports:ingest", {
    token: ownerToken,
    body: { rows: [{ campaignId, platform: "meta", region: "US", date: yesterday, impressions: "5", clicks: "2", costMicros: "1500000", timeZone: "UTC" }] },
  });
  assert.equal(report.status, 200, JSON.stringify(report.body));
  await eventually("the seeded events in insights", async () => {
    const r = await rest("GET", `/v1/campaigns/${campaignId}/insights?granularity=GRANULARITY_TOTAL&breakdowns=DIMENSION_SOURCE`, { token: ownerToken });
    const tracked = r.body.rows?.find((x: any) => x.source === "SOURCE_TRACKED");
    const platform = r.body.rows?.find((x: any) => x.source === "SOURCE_PLATFORM");
    return tracked?.metrics.impressions === "9" && platform?.metrics.impressions === "5" ? true : undefined;
  });
  return { ownerEmail, viewerEmail, ownerToken, campaignId, campaignName, yesterday, today };
}

async function signIn(page: Page, email: string): Promise<void> {
  await page.goto(`${stack.envoyUrl}/dashboard/#/signin`);
  await page.getByLabel("Email", { exact: true }).fill(email);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForSelector("#campaigns-table");
}

async function openCampaign(page: Page, f: Fixture): Promise<void> {
  await page.getByRole("link", { name: f.campaignName }).click();
  await page.waitForSelector('#report[data-state="ready"]');
}

/** The over-time table as the page shows it (its rows carry the API's raw values). */
async function pageSeries(page: Page) {
  return page.$eval("#series-table", (t: any) => ({
    params: { ...t.dataset } as Record<string, string>,
    rows: [...t.querySelectorAll("tbody tr")].map((tr: any) => ({ ...tr.dataset }) as Record<string, string>),
  }));
}

async function apiSeries(f: Fixture, params: Record<string, string | undefined>) {
  const q = new URLSearchParams({ startDate: params.startDate!, endDate: params.endDate!, timeZone: params.timeZone!, granularity: params.granularity! });
  const r = await rest("GET", `/v1/campaigns/${f.campaignId}/insights?${q}`, { token: f.ownerToken });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return (r.body.rows as any[]).map((row) => ({ bucket: row.bucket, ...Object.fromEntries(BASE.map((k) => [k, row.metrics[k]])) }) as Record<string, string>);
}

const liveValue = (page: Page, metric: string) => page.getAttribute(`#live-totals [data-live="${metric}"]`, "data-value");

describe("dashboard (browser, through Envoy)", () => {
  let browser: Browser;
  let f: Fixture;
  const cspViolations: string[] = [];

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    [f, browser] = await Promise.all([seed(), launchBrowser()]);
  });
  after(async () => {
    await browser?.close();
  });

  async function newPage(): Promise<Page> {
    const page = await browser.context.newPage();
    page.on("console", (m) => {
      if (m.type() === "error" && /Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
    });
    page.on("pageerror", (err) => cspViolations.push(`uncaught: ${err.message}`));
    return page;
  }

  it("serves the page at / and /dashboard/ with a strict Content-Security-Policy", async () => {
    const res = await fetch(`${stack.envoyUrl}/`, { redirect: "manual" });
    assert.equal(res.status, 302);
    assert.equal(new URL(res.headers.get("location")!, stack.envoyUrl).pathname, "/dashboard/");
    await res.body?.cancel();
    const page = await fetch(`${stack.envoyUrl}/dashboard/`);
    assert.equal(page.status, 200);
    assert.equal(page.headers.get("content-type"), "text/html; charset=utf-8");
    assert.equal(page.headers.get("cache-control"), "no-cache");
    const csp = page.headers.get("content-security-policy") ?? "";
    for (const directive of ["default-src 'self'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"]) {
      assert.ok(csp.includes(directive), `CSP lacks ${directive}: ${csp}`);
    }
    assert.ok(!csp.includes("unsafe-inline") && !csp.includes("unsafe-eval"), csp);
    const html = await page.text();
    const js = /src="(app\.js\?v=[0-9a-f]{16})"/.exec(html)?.[1];
    const css = /href="(app\.css\?v=[0-9a-f]{16})"/.exec(html)?.[1];
    assert.ok(js && css, `index.html names hashed bundles: ${html}`);
    assert.ok(!/<script>|<style|style="/.test(html), "no inline script or style");
    const jsRes = await fetch(`${stack.envoyUrl}/dashboard/${js}`);
    assert.equal(jsRes.headers.get("content-type"), "text/javascript; charset=utf-8");
    assert.equal(jsRes.headers.get("cache-control"), "public, max-age=31536000, immutable");
    assert.ok((await jsRes.text()).length > 10_000);
    const cssRes = await fetch(`${stack.envoyUrl}/dashboard/${css}`);
    assert.equal(cssRes.headers.get("content-type"), "text/css; charset=utf-8");
    assert.ok((await cssRes.text()).includes(".uplot"), "uPlot's stylesheet is bundled");
  });

  it("an OWNER signs in, sees the campaign list and the campaign's charts matching the insights API, and live numbers", async (t) => {
    const page = await newPage();
    await page.goto(`${stack.envoyUrl}/`);
    assert.equal(new URL(page.url()).pathname, "/dashboard/");
    await page.waitForSelector("#signin-form");
    await page.screenshot({ path: `${SHOTS}dashboard-1-signin.png` });
    await signIn(page, f.ownerEmail);

    const listed = await page.$eval(`#campaigns-table tr[data-campaign-id="${f.campaignId}"]`, (tr: any) => ({
      data: { ...tr.dataset } as Record<string, string>,
      cells: [...tr.children].map((c: any) => String(c.textContent).trim()),
    }));
    assert.equal(listed.data.status, "CAMPAIGN_STATUS_ACTIVE");
    assert.equal(listed.data.budgetMicros, "100000000");
    assert.equal(listed.cells[1], "Active");
    assert.equal(listed.cells[2], "$100.00");
    // Spend to date: meta's reported $1.50 plus google's tracked $0.75 + $0.25; 2.5 % of the budget, on track.
    assert.equal(listed.data.spendMicros, "2500000");
    assert.deepEqual(listed.cells.slice(3, 6), ["$2.50", "2.5 %", "On track"]);
    await page.screenshot({ path: `${SHOTS}dashboard-2-campaigns.png`, fullPage: true });

    await openCampaign(page, f);
    const shown = await pageSeries(page);
    assert.equal(shown.params.timeZone, "UTC");
    assert.equal(shown.params.granularity, "GRANULARITY_DAY");
    assert.equal(shown.params.endDate, f.today);
    assert.equal(shown.rows.length, 30);
    // Exactly what the insights API answers for the same range, zone and granularity…
    assert.deepEqual(shown.rows, await apiSeries(f, shown.params));
    // …and what was sent, counted by the documented source policy: impressions and clicks from
    // meta's own report (5 and 2, not tracking's 4 and 2) plus google's tracked ones (google does
    // not report), conversions from tracking. Yesterday 5+2 impressions, 2+1 clicks, 1 conversion;
    // today google's 3 impressions and 1 click.
    const day = (d: string) => shown.rows.find((r) => r.bucket === d)!;
    assert.deepEqual([day(f.yesterday).impressions, day(f.yesterday).clicks, day(f.yesterday).conversions], ["7", "3", "1"]);
    assert.deepEqual([day(f.today).impressions, day(f.today).clicks, day(f.today).conversions], ["3", "1", "0"]);
    // The chart is drawn (uPlot canvas), with its numbers in the table beside it.
    assert.equal(await page.locator("#series-chart canvas").count(), 1);
    assert.equal(await page.locator("#series-chart").getAttribute("role"), "img");

    // Live: today's totals from the NDJSON stream.
    await page.waitForSelector('#live-state[data-state="live"]');
    assert.equal(await liveValue(page, "impressions"), "3");
    assert.equal(await page.getAttribute("#live-box", "aria-live"), "polite");
    await page.screenshot({ path: `${SHOTS}dashboard-3-campaign.png`, fullPage: true });

    const sent = await rest("POST", "/v1/events:ingest", {
      token: f.ownerToken,
      body: {
        events: [1, 2].map((i) => ({
          eventId: uniqueName(`dash-live${i}-`),
          campaignId: f.campaignId,
          type: "EVENT_TYPE_IMPRESSION",
          platform: "google",
          region: "DE",
          occurTime: new Date().toISOString(),
        })),
      },
    });
    assert.equal(sent.body.counts?.accepted, "2", JSON.stringify(sent.body));
    const acknowledged = Date.now();
    await page.waitForSelector('#live-totals [data-live="impressions"][data-value="5"]', { timeout: 2000 });
    const visibleAfterMs = Date.now() - acknowledged;
    assert.ok(visibleAfterMs <= 2000, `live after ${visibleAfterMs} ms`);
    t.diagnostic(`a new event was on the page ${visibleAfterMs} ms after its ingest was acknowledged`);
    assert.equal(await page.textContent('#live-totals [data-live="impressions"]'), "5");

    // Another time zone: the report is re-read in it, and still equals the API.
    await page.getByLabel("Time zone").fill("Asia/Kolkata");
    await page.getByRole("button", { name: "Apply" }).click();
    await page.waitForSelector('#series-table[data-time-zone="Asia/Kolkata"]');
    assert.equal(await page.getAttribute("#report", "data-state"), "ready");
    const zoned = await pageSeries(page);
    assert.deepEqual(zoned.rows, await apiSeries(f, zoned.params));
    assert.equal(
      zoned.rows.reduce((s, r) => s + Number(r.impressions), 0),
      12,
    );

    // Breakdown by platform (meta from its report, google tracked: 3 + 2 today, 2 yesterday) and
    // tracked vs platform (meta: tracking saw 4 impressions, the platform reports 5).
    const breakdown = await page.$$eval("#breakdown-table tbody tr", (trs: any[]) =>
      Object.fromEntries(trs.map((tr) => [tr.dataset.key, tr.dataset.impressions])),
    );
    assert.deepEqual(breakdown, { google: "7", meta: "5" });
    const meta = await page.$eval('#compare-totals-table tr[data-platform="meta"]', (tr: any) => ({ ...tr.dataset }) as Record<string, string>);
    assert.deepEqual([meta.tracked, meta.platformValue, meta.difference], ["4", "5", "1"]);
    await page.screenshot({ path: `${SHOTS}dashboard-4-campaign-kolkata.png`, fullPage: true });

    // Lifecycle: the OWNER may pause (the etag it read goes along).
    assert.deepEqual(await page.$$eval("#lifecycle [data-action]", (bs: any[]) => bs.map((b) => b.dataset.action)), ["pause", "complete", "cancel"]);
    await page.getByRole("button", { name: "Pause" }).click();
    await page.waitForSelector('main[data-campaign-status="CAMPAIGN_STATUS_PAUSED"]');
    assert.deepEqual(await page.$$eval("#lifecycle [data-action]", (bs: any[]) => bs.map((b) => b.dataset.action)), ["resume", "complete", "cancel"]);
    const after = await rest("GET", `/v1/campaigns/${f.campaignId}`, { token: f.ownerToken });
    assert.equal(after.body.campaign.status, "CAMPAIGN_STATUS_PAUSED");
    await page.close();
  });

  it("a VIEWER sees the campaign but no lifecycle buttons", async () => {
    const page = await newPage();
    await signIn(page, f.viewerEmail);
    await openCampaign(page, f);
    assert.equal(await page.getAttribute("main", "data-campaign-status"), "CAMPAIGN_STATUS_PAUSED");
    assert.equal(await page.locator("#lifecycle").count(), 0);
    assert.equal(await page.locator("[data-action]").count(), 0);
    for (const name of ["Launch", "Pause", "Resume", "Complete", "Cancel campaign"]) {
      assert.equal(await page.getByRole("button", { name, exact: true }).count(), 0, name);
    }
    assert.match((await page.textContent("#who")) ?? "", /Viewer/);
    await page.screenshot({ path: `${SHOTS}dashboard-5-viewer.png`, fullPage: true });
    await page.close();
  });

  it("a pasted API key with the read scope sees the campaigns but no lifecycle buttons; a bad key is refused", async () => {
    const created = await rest("POST", "/v1/apiKeys", { token: f.ownerToken, body: { displayName: "dashboard e2e", scopes: ["API_KEY_SCOPE_READ"] } });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const page = await newPage();
    await page.goto(`${stack.envoyUrl}/dashboard/#/signin`);
    await page.getByRole("textbox", { name: /^API key \(/ }).fill("tly_not_a_real_key_000000000000000000");
    await page.getByRole("button", { name: "Use API key" }).click();
    await page.waitForSelector("#signin-status [role=alert]");
    assert.equal(await page.locator("#campaigns-table").count(), 0);
    await page.getByRole("textbox", { name: /^API key \(/ }).fill(created.body.secret);
    await page.getByRole("button", { name: "Use API key" }).click();
    await page.waitForSelector("#campaigns-table");
    await openCampaign(page, f);
    assert.equal(await page.locator("[data-action]").count(), 0);
    assert.equal(await page.textContent("#who"), "API key · Read-only");
    await page.close();
  });

  it("breaks no Content-Security-Policy rule and throws no uncaught error on any page", () => {
    assert.deepEqual(cspViolations, []);
  });
});
