/**
 * AIP-133/134 REST shapes through a real Envoy: the JSON body of CreateCampaign and UpdateCampaign
 * *is* the campaign, request_id and update_mask ride in the query, and no shape can clear data
 * while answering 200 — the old wrapped body, a misspelled field and a mask naming a field the body
 * left out are all 400. A private Envoy in front of this file's own campaign process (port 0, fresh
 * database), so it runs beside anyone's stack.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startCampaignHarness } from "../../services/campaign/test/campaign-harness.js";
import { closedPort, startPrivateEnvoy, type PrivateEnvoy } from "../support/envoy.js";
import { uniqueName } from "../support/stack.js";

let envoy: PrivateEnvoy;
let harness: Awaited<ReturnType<typeof startCampaignHarness>>;
let token = "";

async function call(method: string, path: string, body?: unknown) {
  const res = await fetch(`${envoy.url}${path}`, {
    method,
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : {} };
}

const violations = (body: { details?: Array<{ "@type": string; fieldViolations?: Array<{ field: string; description: string }> }> }) =>
  body.details
    ?.find((d) => d["@type"] === "type.googleapis.com/google.rpc.BadRequest")
    ?.fieldViolations?.map(({ field, description }) => ({ field, description }));

const newCampaign = () => ({
  name: uniqueName("Shape "),
  description: "before",
  type: "CAMPAIGN_TYPE_PROMOTION",
  currencyCode: "EUR",
  budgetMicros: "5000000",
  timeZone: "UTC",
});

before(async () => {
  harness = await startCampaignHarness();
  const down = await closedPort();
  envoy = await startPrivateEnvoy({ campaign: harness.port, ingestion: down, analytics: down });
  const reg = await call("POST", "/v1/auth:register", {
    email: `${uniqueName("shape")}@example.com`,
    password: "shape password 123",
    organizationName: "Shapes",
  });
  assert.equal(reg.status, 200, JSON.stringify(reg.body));
  token = reg.body.accessToken;
});

after(async () => {
  await envoy?.stop();
  await harness?.stop();
});

describe("REST create and update take the campaign itself as the body", () => {
  it("a flat POST creates, and ?request_id= makes the retry return the same campaign", async () => {
    const body = newCampaign();
    const first = await call("POST", "/v1/campaigns?request_id=shape-create-1", body);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.body.campaign.name, body.name);
    assert.equal(first.body.campaign.budgetMicros, "5000000");
    assert.equal(first.body.campaign.status, "CAMPAIGN_STATUS_DRAFT");
    const retry = await call("POST", "/v1/campaigns?requestId=shape-create-1", body);
    assert.equal(retry.status, 200, JSON.stringify(retry.body));
    assert.equal(retry.body.campaign.id, first.body.campaign.id);
  });

  it("a flat PATCH ?update_mask=description changes exactly that field", async () => {
    const created = (await call("POST", "/v1/campaigns", newCampaign())).body.campaign;
    const res = await call("PATCH", `/v1/campaigns/${created.id}?update_mask=description`, { description: "x" });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const { description, etag, updateTime, ...rest } = res.body.campaign;
    assert.equal(description, "x");
    assert.notEqual(etag, created.etag);
    const { description: _d, etag: _e, updateTime: _u, ...restBefore } = created;
    assert.deepEqual(rest, restBefore, "every other field is as it was");
  });

  it("an empty value clears a field only when the body sends it", async () => {
    const created = (await call("POST", "/v1/campaigns", newCampaign())).body.campaign;
    const res = await call("PATCH", `/v1/campaigns/${created.id}?update_mask=description`, { description: "" });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.campaign.description, "");
  });

  describe("no shape clears data while answering 200", () => {
    let id = "";
    before(async () => {
      id = (await call("POST", "/v1/campaigns", newCampaign())).body.campaign.id;
    });

    const unchanged = async () => {
      const got = await call("GET", `/v1/campaigns/${id}`);
      assert.equal(got.body.campaign.description, "before");
    };

    it("the old wrapped body {campaign:{…}} on PATCH is 400 and changes nothing", async () => {
      const res = await call("PATCH", `/v1/campaigns/${id}?update_mask=description`, { campaign: { description: "x" } });
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.deepEqual(violations(res.body), [
        {
          field: "campaign.campaign",
          description: 'unknown field: the body is the Campaign itself (AIP-133/134); send its fields at the top level, not inside "campaign"',
        },
        {
          field: "update_mask",
          description: 'names "description", which the body does not set; send it (an empty value clears it) or leave it out of the mask',
        },
      ]);
      await unchanged();
    });

    it("a misspelled field is 400 naming it, and changes nothing", async () => {
      const res = await call("PATCH", `/v1/campaigns/${id}?update_mask=description`, { descripton: "typo" });
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.deepEqual(violations(res.body), [
        { field: "campaign.descripton", description: "unknown field of tally.campaign.v1.Campaign" },
        {
          field: "update_mask",
          description: 'names "description", which the body does not set; send it (an empty value clears it) or leave it out of the mask',
        },
      ]);
      await unchanged();
    });

    it("an unknown field beside a good one is still 400", async () => {
      const res = await call("PATCH", `/v1/campaigns/${id}?update_mask=description`, { description: "after", extra: { deep: 1 } });
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.deepEqual(violations(res.body), [{ field: "campaign.extra", description: "unknown field of tally.campaign.v1.Campaign" }]);
      await unchanged();
    });

    it("the old wrapped body on POST is 400 naming the wrapper", async () => {
      const res = await call("POST", "/v1/campaigns", { campaign: newCampaign() });
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.deepEqual(
        violations(res.body)?.map((v) => v.field),
        ["campaign.campaign"],
      );
    });
  });
});

describe("every repeated query parameter takes a comma list, split at the edge", () => {
  // Analytics is down behind this Envoy: 503 means the request was transcoded and sent on, 400 that
  // the transcoder refused a value.
  it("an enum list (breakdowns) reaches the service as two values", async () => {
    const res = await call("GET", "/v1/campaigns/c1/insights?breakdowns=DIMENSION_PLATFORM,DIMENSION_REGION&platforms=meta%2Cgoogle");
    assert.equal(res.status, 503, JSON.stringify(res.body));
    assert.equal(res.body.details[0].reason, "SERVICE_UNAVAILABLE");
  });

  it("each part is checked on its own: the bad one is named", async () => {
    const res = await call("GET", "/v1/campaigns/c1/insights?breakdowns=DIMENSION_PLATFORM,DIMENSION_NOPE");
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.deepEqual(violations(res.body), [
      { field: "breakdowns", description: 'invalid value "DIMENSION_NOPE" for type type.googleapis.com/tally.analytics.v1.Dimension' },
    ]);
  });
});
