import { pino, type DestinationStream, type Logger, type LoggerOptions } from "pino";

export type { Logger };

/**
 * The one root logger of a process. Parts take `logger.child({ component })`.
 * Redaction is a safety net: code must not log credentials in the first place.
 */
export function createLogger(service: string, level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: ["authorization", "*.authorization", "password", "*.password", "secret", "*.secret", "token", "*.token", "accessToken", "*.accessToken"],
      censor: "[redacted]",
    },
  } satisfies LoggerOptions;
  // Tests pass a destination to read what the process logs; processes log to stdout.
  return destination ? pino(options, destination) : pino(options);
}
