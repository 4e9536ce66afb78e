/**
 * API key secrets (DESIGN §2.1): `tly_` + 32 base62 characters of randomness (~190 bits) + 6 base62
 * characters of CRC32 over the random part. The prefix lets secret scanners find leaked keys; the
 * checksum lets them (and every service) tell a real-looking key from a typo or a guess without
 * asking anyone, so garbage never costs a network call.
 *
 * Stored as SHA-256, not scrypt: scrypt exists to slow down guessing of low-entropy passwords, and
 * nobody can guess 190 random bits however fast the hash is. A fast, unsalted hash also makes the
 * key findable by an index on its hash (a salted hash would need a key id in the secret), and keeps
 * a verification at microseconds, where scrypt would cost tens of milliseconds of CPU per miss.
 */
import { createHash, randomBytes } from "node:crypto";
import { crc32 } from "node:zlib";

export const API_KEY_PREFIX = "tly_";
const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const RANDOM_CHARS = 32;
const CHECKSUM_CHARS = 6;
export const API_KEY_LENGTH = API_KEY_PREFIX.length + RANDOM_CHARS + CHECKSUM_CHARS;
/** How much of a secret is stored and shown to recognise a key: the prefix and 8 random characters. */
export const API_KEY_DISPLAY_CHARS = API_KEY_PREFIX.length + 8;
const SHAPE = new RegExp(`^${API_KEY_PREFIX}[0-9A-Za-z]{${RANDOM_CHARS + CHECKSUM_CHARS}}$`);

/** Uniform base62 characters: bytes ≥ 248 (= 4 × 62) are skipped, so no character is favoured. */
function randomBase62(n: number): string {
  let out = "";
  while (out.length < n) {
    for (const b of randomBytes(n * 2)) {
      if (b < 248 && out.length < n) out += ALPHABET[b % 62];
    }
  }
  return out;
}

function checksum(body: string): string {
  let n = crc32(body);
  let out = "";
  for (let i = 0; i < CHECKSUM_CHARS; i++) {
    out = ALPHABET[n % 62] + out;
    n = Math.floor(n / 62);
  }
  return out;
}

export function generateApiKeySecret(): string {
  const body = randomBase62(RANDOM_CHARS);
  return `${API_KEY_PREFIX}${body}${checksum(body)}`;
}

/** Looks like an API key at all (prefix), whether or not it is well formed. */
export const isApiKeyCredential = (credential: string): boolean => credential.startsWith(API_KEY_PREFIX);

/** The right length, alphabet and checksum: the only keys worth looking up. */
export function isWellFormedApiKey(secret: string): boolean {
  if (!SHAPE.test(secret)) return false;
  const body = secret.slice(API_KEY_PREFIX.length, API_KEY_PREFIX.length + RANDOM_CHARS);
  return checksum(body) === secret.slice(API_KEY_PREFIX.length + RANDOM_CHARS);
}

/** What is stored and what services exchange: the secret itself is kept nowhere. */
export const apiKeySecretHash = (secret: string): Buffer => createHash("sha256").update(secret).digest();

export const apiKeyDisplayPrefix = (secret: string): string => secret.slice(0, API_KEY_DISPLAY_CHARS);
