import { test } from "node:test";
import assert from "node:assert/strict";
import { isMetaThrottleCode, readMetaUsage, usagePauseMs } from "./meta-throttle.js";

test("Meta's throttling error codes", () => {
  for (const code of [4, 17, 32, 613, 80000, 80004, 80014]) assert.equal(isMetaThrottleCode(code), true, String(code));
  for (const code of [1, 100, 190, 200, 79999, 80015]) assert.equal(isMetaThrottleCode(code), false, String(code));
});

test("usage headers: the highest percentage wins; regain time is honoured", () => {
  const headers = new Headers({
    "x-app-usage": JSON.stringify({ call_count: 12, total_cputime: 3, total_time: 40 }),
    "x-fb-ads-insights-throttle": JSON.stringify({ app_id_util_pct: 91.5, acc_id_util_pct: 20 }),
  });
  assert.deepEqual(readMetaUsage(headers), { maxPercent: 91.5, regainMs: 0 });
  assert.equal(usagePauseMs(readMetaUsage(headers)), 30_000);

  const business = new Headers({
    "x-business-use-case-usage": JSON.stringify({
      "1234": [{ type: "ads_insights", call_count: 100, total_cputime: 20, total_time: 30, estimated_time_to_regain_access: 3 }],
    }),
  });
  assert.deepEqual(readMetaUsage(business), { maxPercent: 100, regainMs: 180_000 });
  assert.equal(usagePauseMs(readMetaUsage(business)), 180_000);
});

test("low or unreadable usage means no pause", () => {
  assert.equal(usagePauseMs(readMetaUsage(new Headers({ "x-app-usage": '{"call_count":89}' }))), 0);
  assert.equal(usagePauseMs(readMetaUsage(new Headers({ "x-app-usage": "not json" }))), 0);
  assert.equal(usagePauseMs(readMetaUsage(new Headers())), 0);
});
