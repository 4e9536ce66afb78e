/**
 * A fake Graph API for the Meta connector's tests and the demo, answering in the documented Ads
 * Insights format: ad account fields, insights pages with cursors, async report runs, Graph API
 * errors (code 190 for an expired token, 80000 for the ads_insights business-use-case limit) and the
 * usage headers.
 */
import { randomUUID } from "node:crypto";
import { datesOf } from "../shared/lookback.js";
import { bearerToken, FakeAccount, FakeControls, microsToDecimal, startFakeHttp, type FakeReply, type FakeServer } from "../shared/fake-platform.js";

export interface MetaFake extends FakeServer {
  account: FakeAccount;
  controls: FakeControls;
}

export interface MetaFakeOptions {
  account: FakeAccount;
  accessToken: string;
  pageSize?: number;
  port?: number;
}

export async function startMetaFake(options: MetaFakeOptions): Promise<MetaFake> {
  const { account } = options;
  const controls = new FakeControls(options.accessToken);
  const runs = new Map<string, { params: URLSearchParams; polls: number }>();
  const pageSize = options.pageSize ?? 25;

  const server = await startFakeHttp(
    ({ method, url, headers, body }) => {
      const token = bearerToken(headers) ?? url.searchParams.get("access_token") ?? "";
      if (!controls.validTokens.has(token)) {
        return graphError(400, 190, "Error validating access token: Session has expired.", 463);
      }
      const path = url.pathname.replace(/^\/v\d+\.\d+/, "");
      const accountMatch = /^\/act_(\d+)(\/insights)?$/.exec(path);
      if (accountMatch && accountMatch[1] !== account.options.accountId) return graphError(400, 100, "Unsupported get request. Object does not exist.");
      if (accountMatch && !accountMatch[2] && method === "GET") {
        return ok({ id: `act_${account.options.accountId}`, timezone_name: account.options.timeZone, currency: account.options.currencyCode });
      }
      if (accountMatch?.[2] || /^\/\d+\/insights$/.test(path)) {
        if (controls.takeThrottle()) return throttled(controls);
      }
      if (accountMatch?.[2] && method === "POST") {
        const id = String(Date.now()) + String(runs.size);
        runs.set(id, { params: new URLSearchParams(body), polls: 0 });
        return ok({ report_run_id: id });
      }
      if (accountMatch?.[2]) return ok(insightsPage(url.searchParams, url.searchParams));
      const runMatch = /^\/(\d+)(\/insights)?$/.exec(path);
      const run = runMatch ? runs.get(runMatch[1]!) : undefined;
      if (run && !runMatch![2]) {
        run.polls += 1;
        const done = run.polls >= 2;
        return ok({ id: runMatch![1], async_status: done ? "Job Completed" : "Job Running", async_percent_completion: done ? 100 : 50 });
      }
      if (run) return ok(insightsPage(run.params, url.searchParams));
      return graphError(400, 100, "Unsupported request.");
    },
    controls,
    options.port,
  );

  /** Rows for the query in `query`, the page chosen by `paging` (limit, after). */
  function insightsPage(query: URLSearchParams, paging: URLSearchParams): unknown {
    const range = JSON.parse(query.get("time_range") ?? "{}") as { since: string; until: string };
    const filtering = JSON.parse(query.get("filtering") ?? "[]") as Array<{ field: string; value: string[] }>;
    const wanted = filtering.find((f) => f.field === "campaign.id")?.value ?? account.options.campaignIds;
    const all = wanted
      .filter((id) => account.hasCampaign(id))
      .flatMap((id) => datesOf({ startDate: range.since, endDate: range.until }).map((date) => [id, date] as const));
    const limit = Number(paging.get("limit") ?? pageSize) || pageSize;
    const size = Math.min(limit, pageSize);
    const offset = paging.get("after") ? Number(Buffer.from(paging.get("after")!, "base64").toString()) : 0;
    const data = all.slice(offset, offset + size).map(([campaignId, date]) => {
      const day = account.day(campaignId, date);
      return {
        campaign_id: campaignId,
        date_start: date,
        date_stop: date,
        impressions: String(day.impressions),
        clicks: String(day.clicks),
        spend: microsToDecimal(day.costMicros),
        account_currency: account.options.currencyCode,
        actions: [
          { action_type: "link_click", value: String(day.clicks) },
          ...day.conversions.map((c) => ({ action_type: c.action, value: microsToDecimal(c.conversionsMicros) })),
        ],
        action_values: day.conversions.map((c) => ({ action_type: c.action, value: microsToDecimal(c.revenueMicros) })),
      };
    });
    const cursor = (n: number) => Buffer.from(String(n)).toString("base64");
    const more = offset + size < all.length;
    return {
      data,
      paging: {
        cursors: { before: cursor(offset), after: cursor(offset + size) },
        ...(more ? { next: `https://graph.facebook.com/next?after=${cursor(offset + size)}` } : {}),
      },
    };
  }

  return { ...server, account, controls };
}

function ok(json: unknown): FakeReply {
  return { status: 200, json, headers: { "x-app-usage": JSON.stringify({ call_count: 3, total_cputime: 1, total_time: 2 }) } };
}

function throttled(controls: FakeControls): FakeReply {
  const reply = graphError(400, 80000, "There have been too many calls from this ad-account. Wait a bit and try again.", 2446079);
  const usage = {
    [controls.validTokens.size]: [{ type: "ads_insights", call_count: 100, total_cputime: 40, total_time: 60, estimated_time_to_regain_access: 0 }],
  };
  return { ...reply, headers: { "x-business-use-case-usage": JSON.stringify(usage) } };
}

function graphError(status: number, code: number, message: string, subcode?: number): FakeReply {
  return {
    status,
    json: { error: { message, type: "OAuthException", code, ...(subcode ? { error_subcode: subcode } : {}), fbtrace_id: randomUUID().slice(0, 11) } },
  };
}
