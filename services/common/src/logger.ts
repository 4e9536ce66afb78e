import { pino, type Logger } from "pino";

export type { Logger };

/**
 * The one root logger of a process. Parts take `logger.child({ component })`.
 * Redaction is a safety net: code must not log credentials in the first place.
 */
export function createLogger(service: string, level: string): Logger {
  return pino({
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: ["authorization", "*.authorization", "password", "*.password", "secret", "*.secret", "token", "*.token", "accessToken", "*.accessToken"],
      censor: "[redacted]",
    },
  });
}
