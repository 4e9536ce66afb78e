import { pino, type DestinationStream, type Logger, type LoggerOptions } from "pino";

export type { Logger };

/**
 * The one root logger of a process. Parts take `logger.child({ component })`.
 * Redaction is a safety net: code must not log credentials in the first place.
 */
export function createLogger(service: string, level: string, destination?: DestinationStream): Logger {
  const options: LoggerOptions<never> = {
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      // Ad-platform credentials too (platform connections): never logged, wherever they appear.
      paths: [
        "authorization",
        "*.authorization",
        "password",
        "*.password",
        "secret",
        "*.secret",
        "token",
        "*.token",
        "accessToken",
        "*.accessToken",
        "refreshToken",
        "*.refreshToken",
        "clientSecret",
        "*.clientSecret",
        "developerToken",
        "*.developerToken",
        "credentials",
        "*.credentials",
      ],
      censor: "[redacted]",
    },
  };
  return destination ? pino<never>(options, destination) : pino<never>(options);
}
