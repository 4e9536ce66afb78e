import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { createFileRegistry, fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { DESCRIPTOR_SET_PATH } from "../grpc-server.js";
import { createBodyFieldCheck } from "./body-fields.js";

const check = createBodyFieldCheck(createFileRegistry(fromBinary(FileDescriptorSetSchema, readFileSync(DESCRIPTOR_SET_PATH))));
const UPDATE = "tally.campaign.v1.CampaignService/UpdateCampaign";
const CREATE = "tally.campaign.v1.CampaignService/CreateCampaign";
const INGEST = "tally.ingestion.v1.IngestionService/IngestEvents";

describe("body field check", () => {
  it("accepts a flat campaign body, in JSON or proto field names", () => {
    assert.deepEqual(check.problems(CREATE, "name,type,currencyCode,budget_micros,timeZone,startTime", {}), []);
  });

  it("refuses the old wrapped shape, saying the body is the campaign itself", () => {
    assert.deepEqual(check.problems(CREATE, "campaign,campaign.name", {}), [
      {
        field: "campaign.campaign",
        description: 'unknown field: the body is the Campaign itself (AIP-133/134); send its fields at the top level, not inside "campaign"',
      },
    ]);
  });

  it("refuses a misspelled field, percent-decoded for the message", () => {
    assert.deepEqual(check.problems(CREATE, "name,descr%C3%A9ption", {}), [
      { field: "campaign.descréption", description: "unknown field of tally.campaign.v1.Campaign" },
    ]);
  });

  it("checks nested paths through arrays and stops at maps", () => {
    assert.deepEqual(check.problems(INGEST, "events,events[].eventId,events[].attributes,events[].attributes.utm_source", {}), []);
    assert.deepEqual(check.problems(INGEST, "events,events[].eventId,events[].valueMicro", {}), [
      { field: "events[].valueMicro", description: "unknown field of tally.ingestion.v1.IngestEventsRequest" },
    ]);
  });

  it("refuses an update_mask path the body does not set, so nothing is cleared by accident", () => {
    assert.deepEqual(check.problems(UPDATE, "-", { updateMask: ["description"] }), [
      {
        field: "update_mask",
        description: 'names "description", which the body does not set; send it (an empty value clears it) or leave it out of the mask',
      },
    ]);
    assert.deepEqual(check.problems(UPDATE, "description,etag", { updateMask: ["description"] }), []);
    assert.deepEqual(check.problems(UPDATE, "budgetMicros", { updateMask: ["budget_micros"] }), []);
    assert.deepEqual(check.problems(UPDATE, "-", { updateMask: ["*"] }), []);
  });

  it("checks only what the edge listed when it cut the list", () => {
    assert.deepEqual(check.problems(UPDATE, "etag,...", { updateMask: ["description"] }), []);
  });

  it("leaves native gRPC calls (no header) and bodiless methods alone", () => {
    assert.deepEqual(check.problems(UPDATE, undefined, { updateMask: ["description"] }), []);
    assert.deepEqual(check.problems("tally.campaign.v1.CampaignService/GetCampaign", "anything", {}), []);
  });
});
