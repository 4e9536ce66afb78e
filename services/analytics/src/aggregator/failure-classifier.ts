/**
 * Why a flush failed, told apart explicitly, because each answer asks for a different remedy:
 * - TRANSIENT: the store or the broker is unavailable for a while (connection refused, reset or
 *   terminated; Postgres starting up or shutting down; out of resources; a serialization failure or
 *   deadlock). The same batch will succeed later: retry it with backoff.
 * - REFUSED: Postgres refused the data itself (SQLSTATE classes 22 data exception, 23 integrity,
 *   54 program limit such as an index row too large). Retrying cannot help and one record is to
 *   blame: isolate it (bisect) and dead-letter it.
 * - FATAL: anything else (42 syntax or undefined table, 25 transaction state, an error thrown by our
 *   own code). Neither retrying nor dead-lettering good records helps; stop, leave the group, and
 *   let the supervisor and an operator see it.
 * Pure: reads only the fields node-postgres, knex, kafkajs and Node put on their errors.
 */

export type FailureKind = "TRANSIENT" | "REFUSED" | "FATAL";

interface ErrorFields {
  code?: unknown;
  name?: unknown;
  message?: unknown;
  errno?: unknown;
}

/** SQLSTATE classes (first two characters) and codes that pass by themselves. */
const TRANSIENT_SQLSTATE_CLASSES = new Set(["08", "53"]);
/**
 * 57P01-57P03 admin/crash shutdown and cannot-connect-now (a restart), 57P05 idle session timeout,
 * 57014 statement cancelled, 40001/40P01 serialization failure and deadlock, 55P03 lock not
 * available, 58000/58030 system and I/O errors.
 */
const TRANSIENT_SQLSTATES = new Set(["57P01", "57P02", "57P03", "57P05", "57014", "40001", "40P01", "55P03", "58000", "58030"]);
const REFUSED_SQLSTATE_CLASSES = new Set(["22", "23", "54"]);

/** Node socket errors: the database or broker is not reachable right now. */
const TRANSIENT_SOCKET_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ECONNABORTED",
]);

/** node-postgres and knex say a connection went away in words only (no code). */
const TRANSIENT_MESSAGES = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /timeout acquiring a connection/i,
  /client has encountered a connection error/i,
  /connection (?:was )?(?:closed|ended)/i,
  /the database system is (?:starting up|shutting down|in recovery mode)/i,
];

const isSqlState = (code: string) => /^[0-9A-Z]{5}$/.test(code);

export function classifyFailure(err: unknown): FailureKind {
  if (typeof err !== "object" || err === null) return "FATAL";
  const e = err as ErrorFields;
  const code = typeof e.code === "string" ? e.code : "";
  // Before SQLSTATEs: "EPIPE" has their shape.
  if (TRANSIENT_SOCKET_CODES.has(code)) return "TRANSIENT";
  if (isSqlState(code)) {
    if (TRANSIENT_SQLSTATES.has(code) || TRANSIENT_SQLSTATE_CLASSES.has(code.slice(0, 2))) return "TRANSIENT";
    if (REFUSED_SQLSTATE_CLASSES.has(code.slice(0, 2))) return "REFUSED";
    return "FATAL";
  }
  const name = typeof e.name === "string" ? e.name : "";
  // The dead-letter producer: a broker that is away (requests are split below the size limit).
  if (name.startsWith("KafkaJS") || name === "KnexTimeoutError") return "TRANSIENT";
  const message = typeof e.message === "string" ? e.message : "";
  if (TRANSIENT_MESSAGES.some((m) => m.test(message))) return "TRANSIENT";
  return "FATAL";
}

/**
 * A short, log- and header-safe description: SQLSTATE plus the start of Postgres's own message.
 * knex prefixes that message with the statement and its bound values ("<sql> - <message>"): the
 * prefix is dropped, it may carry a whole batch of other tenants' records.
 */
export function describeFailure(err: unknown): string {
  const e = (typeof err === "object" && err !== null ? err : { message: String(err) }) as ErrorFields;
  const code = typeof e.code === "string" ? e.code : "";
  let message = typeof e.message === "string" ? e.message : String(err);
  const knexPrefixEnd = message.lastIndexOf(" - ");
  if (isSqlState(code) && knexPrefixEnd >= 0) message = message.slice(knexPrefixEnd + 3);
  return `${code ? `${code}: ` : ""}${message}`.slice(0, 200);
}
