import assert from "node:assert/strict";
import { test } from "node:test";
import { apiKeySecretHash } from "../contract/api-key.js";
import { unavailable } from "../errors.js";
import { CachedApiKeyVerifier, type ApiKeyGrant, type ApiKeySource } from "./cached-api-key-verifier.js";

/** The keys' owner, counting lookups; `live` is what its table says right now. */
class CountingSource implements ApiKeySource {
  live = new Map<string, ApiKeyGrant>();
  lookups = 0;
  down = false;
  async lookup(hash: Buffer) {
    this.lookups++;
    if (this.down) throw unavailable("campaign service");
    return this.live.get(hash.toString("hex")) ?? null;
  }
}

const SECRET = "tly_secret-of-the-test";

async function setup() {
  const source = new CountingSource();
  source.live.set(apiKeySecretHash(SECRET).toString("hex"), { keyId: "k1", tenantId: "t1", scopes: ["ingest"] });
  let clock = 1_000_000;
  const verifier = new CachedApiKeyVerifier(source, { ttlMs: 1000, refreshAfterMs: 500, now: () => clock });
  return { source, verifier, advance: (ms: number) => (clock += ms), revoke: () => source.live.clear() };
}

const flush = () => new Promise((r) => setImmediate(r));

test("a hit within the TTL costs no lookup; concurrent misses share one lookup", async () => {
  const { source, verifier, advance } = await setup();
  const [a, b] = await Promise.all([verifier.verify(SECRET), verifier.verify(SECRET)]);
  assert.deepEqual(a, { kind: "api_key", tenantId: "t1", subject: "k1", role: null, scopes: ["ingest"] });
  assert.deepEqual(b, a);
  advance(499);
  await verifier.verify(SECRET);
  assert.equal(source.lookups, 1);
});

test("a deleted key is refused once its answer is 1 s old, even under steady traffic", async () => {
  const { verifier, advance, revoke } = await setup();
  await verifier.verify(SECRET); // asked at 0
  advance(600); // served, and refreshed in the background (still live)
  assert.notEqual(await verifier.verify(SECRET), null);
  await flush();
  advance(100);
  revoke(); // deleted at 700
  advance(400); // 1100: the answer asked at 600 is served while a refresh asks again
  assert.notEqual(await verifier.verify(SECRET), null);
  await flush();
  assert.equal(await verifier.verify(SECRET), null, "refused 400 ms after the delete");
});

test("without traffic, the answer simply expires after the TTL", async () => {
  const { source, verifier, advance, revoke } = await setup();
  await verifier.verify(SECRET);
  revoke();
  advance(999);
  assert.notEqual(await verifier.verify(SECRET), null);
  advance(1);
  assert.equal(await verifier.verify(SECRET), null);
  assert.equal(source.lookups, 2);
});

test("unknown keys are remembered for the TTL too; an owner that is down fails the call once the answer expired", async () => {
  const { source, verifier, advance } = await setup();
  assert.equal(await verifier.verify("tly_unknown"), null);
  assert.equal(await verifier.verify("tly_unknown"), null);
  assert.equal(source.lookups, 1);
  await verifier.verify(SECRET);
  source.down = true;
  advance(700); // refresh fails in the background; the answer is still served
  assert.notEqual(await verifier.verify(SECRET), null);
  await flush();
  advance(300);
  await assert.rejects(verifier.verify(SECRET), { code: "UNAVAILABLE" });
});

test("forgetKey drops the owner's cached answers at once", async () => {
  const { source, verifier, revoke } = await setup();
  await verifier.verify(SECRET);
  revoke();
  verifier.forgetKey("k1");
  assert.equal(await verifier.verify(SECRET), null);
  assert.equal(source.lookups, 2);
});
