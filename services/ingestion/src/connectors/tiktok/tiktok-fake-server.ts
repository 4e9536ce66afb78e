/**
 * A fake TikTok API for Business for tests and the demo: advertiser/info and report/integrated/get
 * (BASIC, AUCTION_CAMPAIGN, campaign_id × stat_time_day) answering {code, message, request_id,
 * data: {list, page_info}} with HTTP 200 as TikTok does, code 40100 when throttled and 40105 for a
 * revoked token.
 */
import { randomUUID } from "node:crypto";
import { daysIn, datesOf } from "../shared/lookback.js";
import { FakeAccount, FakeControls, microsToDecimal, startFakeHttp, type FakeReply, type FakeServer } from "../shared/fake-platform.js";

export interface TikTokFake extends FakeServer {
  account: FakeAccount;
  controls: FakeControls;
}

export interface TikTokFakeOptions {
  account: FakeAccount;
  accessToken: string;
  /** Largest page the fake serves, whatever page_size asks (to force paging in tests). */
  maxPageSize?: number;
  port?: number;
}

export async function startTikTokFake(options: TikTokFakeOptions): Promise<TikTokFake> {
  const { account } = options;
  const controls = new FakeControls(options.accessToken);

  const server = await startFakeHttp(
    ({ url, headers }) => {
      if (!controls.validTokens.has(String(headers["access-token"] ?? ""))) return answer(40105, "Access token is incorrect or has been revoked.");
      const q = url.searchParams;
      if (url.pathname === "/open_api/v1.3/advertiser/info/") {
        const ids = JSON.parse(q.get("advertiser_ids") ?? "[]") as string[];
        const list = ids
          .filter((id) => id === account.options.accountId)
          .map((id) => ({ advertiser_id: id, name: "Fake advertiser", timezone: account.options.timeZone, currency: account.options.currencyCode }));
        return answer(0, "OK", { list });
      }
      if (url.pathname !== "/open_api/v1.3/report/integrated/get/") return answer(40002, "Not found");
      if (controls.takeThrottle()) return answer(40100, "Too many requests. Please retry in some time.");
      if (q.get("advertiser_id") !== account.options.accountId) return answer(40001, "No permission to operate advertiser");
      const start = q.get("start_date")!;
      const end = q.get("end_date")!;
      if (daysIn({ startDate: start, endDate: end }) > 30) return answer(40002, "The time range cannot exceed 30 days when stat_time_day is a dimension.");
      const filtering = JSON.parse(q.get("filtering") ?? "[]") as Array<{ field_name: string; filter_value: string }>;
      const ids = JSON.parse(filtering.find((f) => f.field_name === "campaign_ids")?.filter_value ?? "[]") as string[];
      const cells = ids.filter((id) => account.hasCampaign(id)).flatMap((id) => datesOf({ startDate: start, endDate: end }).map((date) => [id, date] as const));
      const page = Number(q.get("page") ?? 1);
      const pageSize = Math.min(Number(q.get("page_size") ?? 10), options.maxPageSize ?? 1000);
      const list = cells.slice((page - 1) * pageSize, page * pageSize).map(([id, date]) => {
        const day = account.day(id, date);
        const conversion = day.conversions[0];
        return {
          dimensions: { campaign_id: id, stat_time_day: `${date} 00:00:00` },
          metrics: {
            spend: microsToDecimal(day.costMicros),
            impressions: String(day.impressions),
            clicks: String(day.clicks),
            conversion: microsToDecimal(conversion?.conversionsMicros ?? 0n),
            total_complete_payment_rate: microsToDecimal(conversion?.revenueMicros ?? 0n),
            currency: account.options.currencyCode,
          },
        };
      });
      return answer(0, "OK", {
        list,
        page_info: { page, page_size: pageSize, total_number: cells.length, total_page: Math.max(1, Math.ceil(cells.length / pageSize)) },
      });
    },
    controls,
    options.port,
  );

  return { ...server, account, controls };
}

function answer(code: number, message: string, data: unknown = {}): FakeReply {
  return { status: 200, json: { code, message, request_id: randomUUID().replaceAll("-", ""), data } };
}
