/**
 * AES-256-GCM for stored platform credentials (node:crypto): a random 12-byte IV per value, the
 * 16-byte tag, and the key id stored beside them, so that rows sealed under an earlier key still
 * open after a rotation (previous keys are configured by id). The connection's identity is the
 * additional authenticated data: ciphertext moved to another row does not open.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import type { CredentialsKey } from "#common/credentials-key.js";
import type { CredentialsCipher, PlatformCredentials, SealedCredentials } from "../domain/platform-connection.js";

const FIELDS = ["accessToken", "refreshToken", "clientId", "clientSecret", "developerToken", "loginCustomerId"] as const;

export class AesGcmCredentialsCipher implements CredentialsCipher {
  private readonly keys: Map<string, Buffer>;

  /** current seals; previous only open. */
  constructor(
    private readonly current: CredentialsKey,
    previous: CredentialsKey[] = [],
  ) {
    this.keys = new Map([...previous, current].map((k) => [k.id, k.key]));
  }

  seal(credentials: PlatformCredentials, aad: string): SealedCredentials {
    const plain = JSON.stringify(Object.fromEntries(FIELDS.map((f) => [f, credentials[f]])));
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.current.key, iv);
    cipher.setAAD(Buffer.from(aad));
    const ciphertext = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
    return { keyId: this.current.id, iv, tag: cipher.getAuthTag(), ciphertext };
  }

  open(sealed: SealedCredentials, aad: string): PlatformCredentials {
    const key = this.keys.get(sealed.keyId);
    // Never the value: only which key id is missing.
    if (!key) throw new Error(`credentials were sealed with key ${JSON.stringify(sealed.keyId)}, which is not configured`);
    const decipher = createDecipheriv("aes-256-gcm", key, sealed.iv);
    decipher.setAAD(Buffer.from(aad));
    decipher.setAuthTag(sealed.tag);
    const plain = Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]).toString("utf8");
    const parsed = JSON.parse(plain) as Partial<PlatformCredentials>;
    return Object.fromEntries(FIELDS.map((f) => [f, typeof parsed[f] === "string" ? parsed[f] : ""])) as unknown as PlatformCredentials;
  }
}
