import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isolateRefused } from "./refused-bisect.js";

class Refusal extends Error {}

/** A fake store: refuses any group holding a poison number, records what it wrote and each attempt. */
function store(poison: Set<number>) {
  const written: number[] = [];
  const attempts: number[][] = [];
  return {
    written,
    attempts,
    async attempt(items: number[]) {
      attempts.push(items);
      const bad = items.find((i) => poison.has(i));
      if (bad !== undefined) throw new Refusal(`refused ${bad}`);
      written.push(...items);
    },
    isRefusal: (err: unknown) => err instanceof Refusal,
  };
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe("isolateRefused", () => {
  it("writes a clean group in one attempt", async () => {
    const s = store(new Set());
    assert.deepEqual(await isolateRefused(range(8), s), []);
    assert.deepEqual(s.written, range(8));
    assert.equal(s.attempts.length, 1);
  });

  it("finds one poison among 16 and writes the other 15 once, in order", async () => {
    const s = store(new Set([11]));
    const refused = await isolateRefused(range(16), s);
    assert.deepEqual(
      refused.map((r) => r.item),
      [11],
    );
    assert.equal((refused[0]!.error as Error).message, "refused 11");
    assert.deepEqual(
      s.written,
      range(16).filter((i) => i !== 11),
    );
    // 1 whole + per level (16→8→4→2→1) two halves: 1 + 2·4
    assert.equal(s.attempts.length, 9);
  });

  it("finds several poisons, first and last included", async () => {
    const s = store(new Set([0, 5, 6, 9]));
    const refused = await isolateRefused(range(10), s);
    assert.deepEqual(
      refused.map((r) => r.item),
      [0, 5, 6, 9],
    );
    assert.deepEqual(s.written, [1, 2, 3, 4, 7, 8]);
  });

  it("refuses a lone record that is refused", async () => {
    const s = store(new Set([7]));
    assert.deepEqual(
      (await isolateRefused([7], s)).map((r) => r.item),
      [7],
    );
    assert.deepEqual(s.written, []);
  });

  it("attempts nothing for no records", async () => {
    const s = store(new Set());
    assert.deepEqual(await isolateRefused([], s), []);
    assert.equal(s.attempts.length, 0);
  });

  it("lets a failure that is not a refusal through, unchanged", async () => {
    const lost = new Error("Connection terminated unexpectedly");
    let calls = 0;
    const attempt = async (items: number[]) => {
      calls++;
      if (calls === 1) throw new Refusal("first");
      if (items.includes(3)) throw lost;
    };
    await assert.rejects(isolateRefused(range(4), { attempt, isRefusal: (e) => e instanceof Refusal }), (err) => err === lost);
  });
});
