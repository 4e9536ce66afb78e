import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { classifyFailure, describeFailure, type FailureKind } from "./failure-classifier.js";

const pg = (code: string, message = "x") => Object.assign(new Error(message), { code, severity: "ERROR" });
const named = (name: string, message = "x") => Object.assign(new Error(message), { name });

const cases: [string, unknown, FailureKind][] = [
  ["connection refused", Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:55432"), { code: "ECONNREFUSED", errno: -111 }), "TRANSIENT"],
  ["connection reset", Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }), "TRANSIENT"],
  ["broken pipe", Object.assign(new Error("write EPIPE"), { code: "EPIPE" }), "TRANSIENT"],
  ["connection terminated (node-postgres, no code)", new Error("Connection terminated unexpectedly"), "TRANSIENT"],
  ["connect timeout (node-postgres)", new Error("timeout exceeded when trying to connect"), "TRANSIENT"],
  ["knex pool timeout", named("KnexTimeoutError", "Knex: Timeout acquiring a connection. The pool is probably full."), "TRANSIENT"],
  ["not queryable client", new Error("Client has encountered a connection error and is not queryable"), "TRANSIENT"],
  ["08006 connection failure", pg("08006"), "TRANSIENT"],
  ["08001 cannot establish", pg("08001"), "TRANSIENT"],
  ["57P01 admin shutdown", pg("57P01", "terminating connection due to administrator command"), "TRANSIENT"],
  ["57P02 crash shutdown", pg("57P02"), "TRANSIENT"],
  ["57P03 starting up", pg("57P03", "the database system is starting up"), "TRANSIENT"],
  ["53300 too many connections", pg("53300"), "TRANSIENT"],
  ["53100 disk full", pg("53100"), "TRANSIENT"],
  ["40001 serialization failure", pg("40001"), "TRANSIENT"],
  ["40P01 deadlock", pg("40P01"), "TRANSIENT"],
  ["57014 statement cancelled", pg("57014"), "TRANSIENT"],
  ["kafkajs broker away (DLQ produce)", named("KafkaJSNumberOfRetriesExceeded"), "TRANSIENT"],
  ["kafkajs connection error", named("KafkaJSConnectionError"), "TRANSIENT"],
  ["22P05 unsupported Unicode escape (NUL)", pg("22P05", "unsupported Unicode escape sequence"), "REFUSED"],
  ["22021 invalid byte sequence", pg("22021", 'invalid byte sequence for encoding "UTF8": 0x00'), "REFUSED"],
  ["22003 bigint out of range", pg("22003", "bigint out of range"), "REFUSED"],
  ["22008 timestamp out of range", pg("22008"), "REFUSED"],
  ["23514 check violation", pg("23514"), "REFUSED"],
  ["23502 not null violation", pg("23502"), "REFUSED"],
  ["54000 index row too large", pg("54000", "index row size 3000 exceeds btree version 4 maximum 2704"), "REFUSED"],
  ["42P01 undefined table (a deploy bug)", pg("42P01"), "FATAL"],
  ["42601 syntax error", pg("42601"), "FATAL"],
  ["25P02 transaction aborted (our bug)", pg("25P02"), "FATAL"],
  ["XX000 internal error", pg("XX000"), "FATAL"],
  ["57P04 database dropped", pg("57P04"), "FATAL"],
  ["a TypeError in our code", new TypeError("Cannot read properties of undefined"), "FATAL"],
  ["a thrown string", "boom", "FATAL"],
  ["null", null, "FATAL"],
];

describe("classifyFailure", () => {
  for (const [name, err, kind] of cases) {
    it(`${name} → ${kind}`, () => assert.equal(classifyFailure(err), kind));
  }
});

describe("describeFailure", () => {
  it("puts the SQLSTATE first and cuts long messages", () => {
    assert.equal(describeFailure(pg("22P05", "unsupported Unicode escape sequence")), "22P05: unsupported Unicode escape sequence");
    assert.equal(describeFailure(new Error("y".repeat(500))).length, 200);
    assert.equal(describeFailure("boom"), "boom");
  });

  it("drops knex's statement prefix, which may quote other records", () => {
    const knexed = pg(
      "23514",
      'INSERT INTO raw_events (t) SELECT \'{"e":"other-tenant-secret"}\' - new row for relation "raw_events" violates check constraint "c"',
    );
    assert.equal(describeFailure(knexed), '23514: new row for relation "raw_events" violates check constraint "c"');
  });
});
