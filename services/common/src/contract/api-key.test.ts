import assert from "node:assert/strict";
import { test } from "node:test";
import { API_KEY_LENGTH, apiKeyDisplayPrefix, apiKeySecretHash, generateApiKeySecret, isWellFormedApiKey } from "./api-key.js";

test("a generated secret is tly_ + 38 base62 characters, well formed, and different every time", () => {
  const a = generateApiKeySecret();
  const b = generateApiKeySecret();
  assert.match(a, /^tly_[0-9A-Za-z]{38}$/);
  assert.equal(a.length, API_KEY_LENGTH);
  assert.notEqual(a, b);
  assert.equal(isWellFormedApiKey(a), true);
  assert.equal(apiKeyDisplayPrefix(a), a.slice(0, 12));
});

test("the checksum refuses a changed character, a wrong prefix, a wrong length and a foreign alphabet", () => {
  const secret = generateApiKeySecret();
  const flipped = secret.slice(0, 10) + (secret[10] === "a" ? "b" : "a") + secret.slice(11);
  for (const bad of [flipped, `tk_${secret.slice(4)}`, secret.slice(0, -1), `${secret}0`, `${secret.slice(0, -1)}-`, "tly_", ""]) {
    assert.equal(isWellFormedApiKey(bad), false, bad);
  }
});

test("the stored hash is SHA-256 of the whole secret", () => {
  assert.equal(apiKeySecretHash("tly_abc").toString("hex"), "63ddcfeedeeea04701cc3af5f7613db0f2049ab42ef83f0a221ad8431736d432");
});
