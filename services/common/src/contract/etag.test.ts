import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { AppError } from "../errors.js";
import { etagMismatch, formatEtag } from "./etag.js";

const current = formatEtag(7);

describe("etagMismatch", () => {
  // [what, precondition, the etag reported as stale (null: it holds)]
  const cases: [string, Parameters<typeof etagMismatch>[0], string | null][] = [
    ["nothing sent", { etag: "" }, null],
    ["the quoted etag", { etag: '"7"' }, null],
    ["the etag without quotes", { etag: "7" }, null],
    ["surrounding spaces", { etag: '  "7" ' }, null],
    ["a stale etag", { etag: '"6"' }, '"6"'],
    ["a stale etag without quotes", { etag: "6" }, "6"],
    ["a lone quote is not the etag", { etag: '"7' }, '"7'],
    ["If-Match quoted", { etag: "", ifMatch: '"7"' }, null],
    ["If-Match unquoted", { etag: "", ifMatch: "7" }, null],
    ["If-Match list holding the current etag", { etag: "", ifMatch: '"5", "7"' }, null],
    ["If-Match *", { etag: "", ifMatch: "*" }, null],
    ["If-Match stale", { etag: "", ifMatch: '"6"' }, '"6"'],
    ["If-Match list without the current etag", { etag: "", ifMatch: '"5", "6"' }, '"5", "6"'],
    ["body current but If-Match stale", { etag: '"7"', ifMatch: '"6"' }, '"6"'],
    ["body stale but If-Match current", { etag: '"6"', ifMatch: '"7"' }, '"6"'],
  ];
  for (const [what, pre, stale] of cases) {
    it(what, () => assert.equal(etagMismatch(pre, current), stale));
  }

  // [what, precondition, the fields refused]
  const refused: [string, Parameters<typeof etagMismatch>[0], string[]][] = [
    ["a weak body etag", { etag: 'W/"7"' }, ["etag"]],
    ["a weak If-Match", { etag: "", ifMatch: 'W/"7"' }, ["if-match"]],
    ["a weak etag in an If-Match list", { etag: "", ifMatch: '"7", w/"7"' }, ["if-match"]],
    ["an If-Match list with an empty member", { etag: "", ifMatch: '"7",,' }, ["if-match"]],
    ["both weak", { etag: 'W/"7"', ifMatch: 'W/"7"' }, ["etag", "if-match"]],
  ];
  for (const [what, pre, fields] of refused) {
    it(`refuses ${what}`, () =>
      assert.throws(
        () => etagMismatch(pre, current),
        (e: AppError) => e.code === "INVALID_ARGUMENT" && JSON.stringify(e.options.violations?.map((v) => v.field)) === JSON.stringify(fields),
      ));
  }

  it("names the body field as the caller says (campaign.etag on update)", () =>
    assert.throws(
      () => etagMismatch({ etag: 'W/"1"' }, current, "campaign.etag"),
      (e: AppError) => e.options.violations?.[0]?.field === "campaign.etag",
    ));
});
