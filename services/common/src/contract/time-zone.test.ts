import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isIanaTimeZone } from "./time-zone.js";

describe("isIanaTimeZone", () => {
  const cases: [string, boolean][] = [
    ["Europe/Berlin", true],
    ["Asia/Kathmandu", true],
    ["America/Argentina/Buenos_Aires", true],
    ["UTC", true],
    ["Etc/GMT+5", true],
    ["europe/berlin", true],
    ["+05:45", false],
    ["-03:00", false],
    ["", false],
    ["Mars/Olympus_Mons", false],
    ["Europe/Berlin\u0000", false],
  ];
  for (const [name, ok] of cases) it(`${JSON.stringify(name)} → ${ok}`, () => assert.equal(isIanaTimeZone(name), ok));
});
