import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { requestsOf } from "./dead-letter.js";
import type { DeadLetter } from "./flush-buffer.js";

const letter = (offset: number, bytes: number): DeadLetter => ({
  partition: 0,
  offset: BigInt(offset),
  reason: "UNDECODABLE",
  detail: "",
  key: null,
  value: Buffer.alloc(bytes),
});
const offsets = (requests: DeadLetter[][]) => requests.map((r) => r.map((l) => Number(l.offset)));

describe("requestsOf", () => {
  it("sends nothing for no letters", () => {
    assert.deepEqual(requestsOf([]), []);
  });

  it("keeps small letters in one request, in order", () => {
    assert.deepEqual(offsets(requestsOf([letter(1, 100), letter(2, 0), { ...letter(3, 0), value: null }])), [[1, 2, 3]]);
  });

  it("never puts two 512 KiB batch messages in one request (Kafka's 1 MiB record-batch limit)", () => {
    const half = 512 * 1024;
    assert.deepEqual(offsets(requestsOf([letter(1, half), letter(2, half), letter(3, 1000), letter(4, half)])), [[1], [2, 3], [4]]);
  });

  it("sends a letter larger than the limit alone", () => {
    assert.deepEqual(offsets(requestsOf([letter(1, 10), letter(2, 2_000_000), letter(3, 10)])), [[1], [2], [3]]);
  });
});
