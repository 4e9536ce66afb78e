import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CreateCampaignRequest, ListCampaignsRequest, UpdateCampaignRequest } from "#gen/tally/campaign/v1/campaign_service.js";
import { CreateUserRequest, Role } from "#gen/tally/identity/v1/identity.js";
import { AdEvent, IngestEventsRequest } from "#gen/tally/ingestion/v1/ingestion.js";
import { GetCampaignInsightsRequest } from "#gen/tally/analytics/v1/analytics.js";
import { AppError, type FieldViolation } from "../errors.js";
import { loadInputBoundary } from "./input-boundary.js";

const boundary = loadInputBoundary();
const CAMPAIGNS = "tally.campaign.v1.CampaignService";

/** What the server's handler sees: the request after a trip through the wire. */
const wire = <T>(fns: { encode(m: T): { finish(): Uint8Array }; decode(b: Uint8Array): T; fromPartial(o: object): T }, o: object): T =>
  fns.decode(fns.encode(fns.fromPartial(o)).finish());

function violations(method: string, request: unknown): FieldViolation[] {
  try {
    boundary.checkRequest(method, request);
    return [];
  } catch (err) {
    assert.ok(err instanceof AppError, String(err));
    assert.equal(err.code, "INVALID_ARGUMENT");
    return err.options.violations ?? [];
  }
}

const campaign = { name: "Spring", type: 1, currencyCode: "EUR", budgetMicros: "1000000", timeZone: "UTC" };
const range = "must lie between 1970-01-01T00:00:00Z and 2100-12-31T23:59:59.999999999Z";

describe("checkRequest", () => {
  const cases: [string, string, unknown, FieldViolation[]][] = [
    ["a good campaign", `${CAMPAIGNS}/CreateCampaign`, wire(CreateCampaignRequest, { campaign }), []],
    [
      "NUL in the name and description",
      `${CAMPAIGNS}/CreateCampaign`,
      wire(CreateCampaignRequest, { campaign: { ...campaign, name: "a\u0000b", description: "\u0000" } }),
      [
        { field: "campaign.name", description: "must not contain NUL (U+0000) characters" },
        { field: "campaign.description", description: "must not contain NUL (U+0000) characters" },
      ],
    ],
    [
      "a description over its 1000-character cap, and a name over 255",
      `${CAMPAIGNS}/CreateCampaign`,
      wire(CreateCampaignRequest, { campaign: { ...campaign, name: "n".repeat(256), description: "d".repeat(1001) } }),
      [
        { field: "campaign.name", description: "must be at most 255 characters" },
        { field: "campaign.description", description: "must be at most 1000 characters" },
      ],
    ],
    [
      "1000 astral characters are 1000 characters",
      `${CAMPAIGNS}/CreateCampaign`,
      wire(CreateCampaignRequest, { campaign: { ...campaign, description: "😀".repeat(1000) } }),
      [],
    ],
    [
      "an end_time in year 9999 and a start_time in year 1",
      `${CAMPAIGNS}/CreateCampaign`,
      wire(CreateCampaignRequest, { campaign: { ...campaign, startTime: new Date("0001-01-01T00:00:00Z"), endTime: new Date("9999-12-31T23:59:59.999Z") } }),
      [
        { field: "campaign.start_time", description: range },
        { field: "campaign.end_time", description: range },
      ],
    ],
    [
      "budget_micros beyond the micros cap, and negative",
      `${CAMPAIGNS}/CreateCampaign`,
      wire(CreateCampaignRequest, { campaign: { ...campaign, budgetMicros: "9223372036854775807" } }),
      [{ field: "campaign.budget_micros", description: "must be between 0 and 1000000000000000" }],
    ],
    [
      "unknown enum numbers, single and repeated",
      `${CAMPAIGNS}/CreateCampaign`,
      wire(CreateCampaignRequest, { campaign: { ...campaign, type: 42, channels: [1, 99] } }),
      [
        { field: "campaign.type", description: "42 is not a CampaignType value" },
        { field: "campaign.channels[1]", description: "99 is not a Channel value" },
      ],
    ],
    [
      "role -1 (UNRECOGNIZED)",
      "tally.identity.v1.IdentityService/CreateUser",
      wire(CreateUserRequest, { email: "a@b.c", password: "x", role: Role.UNRECOGNIZED }),
      [{ field: "role", description: "-1 is not a Role value" }],
    ],
    [
      "a NUL in a filter",
      `${CAMPAIGNS}/ListCampaigns`,
      wire(ListCampaignsRequest, { filter: "name:\u0000" }),
      [{ field: "filter", description: "must not contain NUL (U+0000) characters" }],
    ],
    ["a negative page_size is left to the use case", `${CAMPAIGNS}/ListCampaigns`, wire(ListCampaignsRequest, { pageSize: -1 }), []],
    [
      "a lone surrogate",
      `${CAMPAIGNS}/ListCampaigns`,
      { pageSize: 0, pageToken: "\ud800", filter: "", orderBy: "" },
      [{ field: "page_token", description: "is not valid UTF-8" }],
    ],
    [
      "update_mask paths",
      `${CAMPAIGNS}/UpdateCampaign`,
      wire(UpdateCampaignRequest, { campaign: { id: "x" }, updateMask: ["name", "x\u0000"] }),
      [{ field: "update_mask.paths[1]", description: "must not contain NUL (U+0000) characters" }],
    ],
    [
      "date strings are left to the use case (same rule, reported with its other checks); NUL is not",
      "tally.analytics.v1.AnalyticsService/GetCampaignInsights",
      wire(GetCampaignInsightsRequest, { campaignId: "c", startDate: "0001-01-01", endDate: "2025-01-01\u0000", breakdowns: [1, 7] }),
      [
        { field: "end_date", description: "must not contain NUL (U+0000) characters" },
        { field: "breakdowns[1]", description: "7 is not a Dimension value" },
      ],
    ],
    [
      "itemized events: only their count is checked here",
      "tally.ingestion.v1.IngestionService/IngestEvents",
      wire(IngestEventsRequest, { events: [{ eventId: "\u0000" }] }),
      [],
    ],
    [
      "more than 1000 events",
      "tally.ingestion.v1.IngestionService/IngestEvents",
      { events: Array.from({ length: 1001 }, () => ({})) },
      [{ field: "events", description: "must have at most 1000 entries" }],
    ],
  ];
  for (const [name, method, request, want] of cases) it(name, () => assert.deepEqual(violations(method, request), want));

  it("refuses invalid UTF-8 (decoded as U+FFFD)", () => {
    // CreateCampaignRequest{campaign: Campaign{name: bytes FF FE}}: not UTF-8.
    const request = CreateCampaignRequest.decode(Uint8Array.from([0x0a, 0x04, 0x12, 0x02, 0xff, 0xfe]));
    assert.equal(request.campaign?.name, "\uFFFD\uFFFD");
    assert.deepEqual(violations(`${CAMPAIGNS}/CreateCampaign`, request), [{ field: "campaign.name", description: "is not valid UTF-8" }]);
  });

  it("lists at most 50 violations, then says how many more, and keeps its message short", () => {
    const request = { campaign: { ...campaign, platforms: Array.from({ length: 80 }, () => "\u0000") } };
    try {
      boundary.checkRequest(`${CAMPAIGNS}/CreateCampaign`, request);
      assert.fail("accepted");
    } catch (err) {
      const list = (err as AppError).options.violations!;
      assert.equal(list.length, 51);
      assert.deepEqual(list[50], { field: "", description: "30 more not listed" });
      assert.ok((err as AppError).message.length < 1000, (err as AppError).message);
      assert.match((err as AppError).message, /and 41 more$/);
    }
  });

  it("names a method the contract lacks as a wiring bug, not bad input", () => {
    assert.throws(
      () => boundary.checkRequest(`${CAMPAIGNS}/Nope`, {}),
      (e: Error) => !(e instanceof AppError) && /no method/.test(e.message),
    );
  });
});

describe("itemProblems", () => {
  const event = { eventId: "e1", campaignId: "c1", type: 2, platform: "meta", occurTime: new Date("2026-01-01T00:00:00Z"), valueMicros: "0", costMicros: "0" };
  const cases: [string, object, FieldViolation[]][] = [
    ["a good event", event, []],
    ["NUL in event_id", { ...event, eventId: "a\u0000" }, [{ field: "event_id", description: "must not contain NUL (U+0000) characters" }]],
    [
      "value_micros at the int64 maximum",
      { ...event, valueMicros: "9223372036854775807" },
      [{ field: "value_micros", description: "must be between 0 and 1000000000000000" }],
    ],
    ["an unknown type", { ...event, type: 9 }, [{ field: "type", description: "9 is not a EventType value" }]],
    [
      "attributes: too long a value, a NUL key",
      { ...event, attributes: { ok: "v".repeat(257), "\u0000": "x" } },
      [
        { field: 'attributes["ok"]', description: "must be at most 256 characters" },
        { field: "attributes", description: "a key must not contain NUL (U+0000) characters" },
      ],
    ],
    ["occur_time in year 9999", { ...event, occurTime: new Date("9999-01-01T00:00:00Z") }, [{ field: "occur_time", description: range }]],
  ];
  for (const [name, item, want] of cases) {
    it(name, () => assert.deepEqual(boundary.itemProblems("tally.ingestion.v1.AdEvent", wire(AdEvent, item)), want));
  }
});
