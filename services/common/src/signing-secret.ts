/**
 * DESIGN §2.1: outside an explicit development mode the services refuse to start with the default
 * or a short signing secret. Anyone who reads this repository knows DEV_JWT_SECRET, so a service
 * that accepted it in production would accept service tokens minted by anyone.
 *
 * TALLY_MODE selects the mode. It defaults to production on purpose: a deployment that forgets to
 * say anything fails at start-up with a config error, instead of running with a published secret.
 * `npm start`, `npm test` and the bench set TALLY_MODE=development (scripts/dev/processes.ts).
 */
export const RUN_MODES = ["development", "production"] as const;
export type RunMode = (typeof RUN_MODES)[number];

/** The secret used when development mode is on and TALLY_JWT_SECRET is unset. Never valid in production. */
export const DEV_JWT_SECRET = "tally-local-development-secret-change-me";

/** HS256 wants a key at least as long as its 256-bit output; 32 characters is the floor. */
export const MIN_SIGNING_SECRET_LENGTH = 32;

/**
 * What is wrong with a signing secret in a mode; empty when it may be used. `value` is undefined
 * when the variable is unset. Problems name the variable, never the value.
 */
export function signingSecretProblems(name: string, value: string | undefined, mode: RunMode): string[] {
  if (value === undefined) {
    return mode === "development"
      ? []
      : [
          `${name} is required (a random value of at least ${MIN_SIGNING_SECRET_LENGTH} characters, e.g. \`openssl rand -base64 48\`); only TALLY_MODE=development falls back to the published development secret`,
        ];
  }
  if (value === DEV_JWT_SECRET && mode !== "development") {
    return [`${name} is the development secret published in the repository; set your own random value (only TALLY_MODE=development accepts it)`];
  }
  if (value.length < MIN_SIGNING_SECRET_LENGTH) return [`${name} must be at least ${MIN_SIGNING_SECRET_LENGTH} characters`];
  return [];
}
