/**
 * The key that encrypts stored ad-platform credentials (AES-256-GCM), from TALLY_CREDENTIALS_KEY:
 * 32 random bytes, base64. Like the signing secret (signing-secret.ts), a published development key
 * is used only in development mode and refused otherwise: anyone who reads this repository knows it.
 * Problems name the variable, never the value.
 */
import type { RunMode } from "./signing-secret.js";

/** 32 bytes of base64, published here: development only. */
export const DEV_CREDENTIALS_KEY = "dGFsbHktZGV2LWNyZWRlbnRpYWxzLWtleS0zMi1ieXQ=";

export interface CredentialsKey {
  /** Stored beside every sealed value, so a rotated key can still open older rows. */
  id: string;
  key: Buffer;
}

/** The key (or null) and what is wrong with it in this mode; value undefined when unset. */
export function readCredentialsKey(name: string, value: string | undefined, id: string, mode: RunMode): { key: CredentialsKey | null; problems: string[] } {
  if (value === undefined) {
    if (mode === "development") return { key: { id: "dev", key: Buffer.from(DEV_CREDENTIALS_KEY, "base64") }, problems: [] };
    return {
      key: null,
      problems: [
        `${name} is required: 32 random bytes, base64 (e.g. \`openssl rand -base64 32\`); only TALLY_MODE=development falls back to the published development key`,
      ],
    };
  }
  if (value === DEV_CREDENTIALS_KEY && mode !== "development") {
    return { key: null, problems: [`${name} is the development key published in the repository; set your own (only TALLY_MODE=development accepts it)`] };
  }
  const key = Buffer.from(value, "base64");
  if (key.length !== 32 || key.toString("base64") !== value.trim()) return { key: null, problems: [`${name} must be exactly 32 bytes, base64-encoded`] };
  if (!/^[A-Za-z0-9_.-]{1,32}$/.test(id)) return { key: null, problems: ["TALLY_CREDENTIALS_KEY_ID must be 1–32 letters, digits, '.', '_' or '-'"] };
  return { key: { id, key }, problems: [] };
}
