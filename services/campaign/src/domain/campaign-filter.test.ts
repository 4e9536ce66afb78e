import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseCampaignFilter, type FilterCondition } from "./campaign-filter.js";

const jan1 = new Date("2026-01-01T00:00:00Z");

describe("parseCampaignFilter", () => {
  // [filter, the conditions it means]
  const accepted: [string, FilterCondition[]][] = [
    ["", []],
    ["   ", []],
    ["status=ACTIVE", [{ field: "status", values: ["ACTIVE"], negate: false }]],
    ["status = active", [{ field: "status", values: ["ACTIVE"], negate: false }]],
    ['status="CAMPAIGN_STATUS_PAUSED"', [{ field: "status", values: ["PAUSED"], negate: false }]],
    ["status=(ACTIVE OR PAUSED)", [{ field: "status", values: ["ACTIVE", "PAUSED"], negate: false }]],
    ["status=( active or CAMPAIGN_STATUS_PAUSED )", [{ field: "status", values: ["ACTIVE", "PAUSED"], negate: false }]],
    ["status!=CANCELLED", [{ field: "status", values: ["CANCELLED"], negate: true }]],
    ["status!=(COMPLETED OR CANCELLED)", [{ field: "status", values: ["COMPLETED", "CANCELLED"], negate: true }]],
    ["type=CAMPAIGN_TYPE_PROMOTION", [{ field: "type", values: ["PROMOTION"], negate: false }]],
    ["type=(loyalty OR COUPON)", [{ field: "type", values: ["LOYALTY", "COUPON"], negate: false }]],
    ["name:spring", [{ field: "name", match: "contains", text: "spring" }]],
    ['name:"spring sale"', [{ field: "name", match: "contains", text: "spring sale" }]],
    ['name:"say \\"hi\\" AND bye"', [{ field: "name", match: "contains", text: 'say "hi" AND bye' }]],
    ['name="Black Friday"', [{ field: "name", match: "equals", text: "Black Friday" }]],
    ['create_time>"2026-01-01T00:00:00Z"', [{ field: "create_time", op: ">", time: jan1 }]],
    ["create_time>=2026-01-01T00:00:00Z", [{ field: "create_time", op: ">=", time: jan1 }]],
    ['update_time<"2026-01-01T01:00:00+01:00"', [{ field: "update_time", op: "<", time: jan1 }]],
    ['launch_time<="2026-01-01T00:00:00.000Z"', [{ field: "launch_time", op: "<=", time: jan1 }]],
    ['end_time="2026-01-01T00:00:00Z"', [{ field: "end_time", op: "=", time: jan1 }]],
    [
      'status=(ACTIVE OR PAUSED) AND type=PROMOTION and name:"sale" AND start_time>"2026-01-01T00:00:00Z"',
      [
        { field: "status", values: ["ACTIVE", "PAUSED"], negate: false },
        { field: "type", values: ["PROMOTION"], negate: false },
        { field: "name", match: "contains", text: "sale" },
        { field: "start_time", op: ">", time: jan1 },
      ],
    ],
  ];
  for (const [filter, conditions] of accepted) {
    it(`reads ${JSON.stringify(filter)}`, () => assert.deepEqual(parseCampaignFilter(filter), { conditions, problems: [] }));
  }

  // [filter, each problem's "position: message start"]
  const refused: [string, string[]][] = [
    ["status=RUNNING", ['8: unknown value "RUNNING"; one of CAMPAIGN_STATUS_DRAFT, CAMPAIGN_STATUS_ACTIVE']],
    ["status=(ACTIVE PAUSED)", ["16: expected OR or ) in the value list"]],
    ["status=(ACTIVE OR", ["18: expected a value"]],
    ["status>ACTIVE", ["7: status takes = or !=, not >"]],
    ["type:PROMOTION", ["5: type takes = or !=, not :"]],
    ["budget>5", ['1: unknown field "budget"']],
    ["name>abc", ["5: name takes : (contains) or = (equals), not >"]],
    ['name:""', ["6: name needs a non-empty text"]],
    ['name:"open', ["6: unterminated quoted string"]],
    ["create_time>yesterday", ['13: expected an RFC 3339 timestamp like "2026-01-01T00:00:00Z", found "yesterday"']],
    ['create_time>"2026-02-30T00:00:00Z"', ["13: expected an RFC 3339 timestamp"]],
    ['create_time>"2026-01-01T00:00:00"', ["13: expected an RFC 3339 timestamp"]],
    ["create_time:2026", ["12: create_time takes =, >, >=, < or <=, not :"]],
    ["status=ACTIVE OR status=PAUSED", ['15: unexpected "OR status=PAUSED" after the term; join terms with AND']],
    ["status=ACTIVE AND AND name:x", ["18: expected a term, found nothing (a stray AND?)"]],
    ["=ACTIVE", ['1: expected a field name, found "=ACTIVE"']],
    ["status", ["7: expected an operator after status, found the end of the term"]],
    ["status=RUNNING AND budget>5", ["8: unknown value", '20: unknown field "budget"']],
  ];
  for (const [filter, expected] of refused) {
    it(`refuses ${JSON.stringify(filter)} at the right character`, () => {
      const { conditions, problems } = parseCampaignFilter(filter);
      assert.equal(problems.length, expected.length, JSON.stringify(problems));
      problems.forEach((p, i) => assert.ok(`${p.position}: ${p.message}`.startsWith(expected[i]!), `${p.position}: ${p.message}`));
      if (expected.length === 2) assert.equal(conditions.length, 0);
    });
  }
});
