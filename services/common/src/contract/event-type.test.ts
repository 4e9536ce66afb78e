import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EventType } from "#gen/tally/events/v1/events.js";
import { EVENT_KINDS, eventKindOf, eventTypeNumber } from "./event-type.js";

describe("event types", () => {
  it("use the generated enum's wire numbers", () => {
    assert.equal(eventTypeNumber("IMPRESSION"), EventType.EVENT_TYPE_IMPRESSION);
    assert.equal(eventTypeNumber("CLICK"), EventType.EVENT_TYPE_CLICK);
    assert.equal(eventTypeNumber("CONVERSION"), EventType.EVENT_TYPE_CONVERSION);
  });
  const cases: [number, string | null][] = [
    [1, "IMPRESSION"],
    [2, "CLICK"],
    [3, "CONVERSION"],
    [0, null],
    [-1, null],
    [4, null],
    [2.5, null],
  ];
  for (const [wire, want] of cases) it(`kind of ${wire}`, () => assert.equal(eventKindOf(wire), want));
  it("round-trip every kind", () => {
    for (const k of EVENT_KINDS) assert.equal(eventKindOf(eventTypeNumber(k)), k);
  });
});
