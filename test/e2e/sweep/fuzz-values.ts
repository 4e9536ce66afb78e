/**
 * Hostile values for every field of a request, derived from its descriptor: NUL, 100 KB strings,
 * invalid UTF-8, wrong JSON types, int64/int32 edges, timestamps and dates in years 0001 and 9999,
 * forged page tokens, unknown enum numbers and names. `mustRefuse` marks the values the contract
 * (DESIGN §2, "Input is bounded at one boundary") says are refused; the others only must not break
 * anything (no 5xx, no change when refused).
 */
import { ScalarType, type DescField, type DescMessage, type JsonValue } from "@bufbuild/protobuf";

/** Stands for invalid UTF-8: the transports replace its bytes with BAD_UTF8_BYTES after encoding. */
export const BAD_UTF8 = "~~BAD-UTF8~~";
/** Same length as BAD_UTF8, so protobuf length prefixes stay right: lone continuation bytes, overlong and truncated sequences. */
export const BAD_UTF8_BYTES = Buffer.from([0x61, 0xff, 0xfe, 0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1, 0x80, 0x62]);

export interface Mutation {
  /** JSON path from the request root (json names; numbers index lists). */
  path: (string | number)[];
  label: string;
  /** The hostile value, or how to make it from the valid request's value at `path`. */
  value: JsonValue | ((valid: JsonValue | undefined) => JsonValue);
  mustRefuse: boolean;
  /** Only meaningful inside a JSON body (a wrong JSON type): skipped where the field travels in a URL. */
  bodyOnly?: boolean;
}

export interface FuzzContext {
  /** A genuine page token of ListCampaigns' valid request, to garble and forge. */
  pageToken: string;
  /** A genuine page token of a different ListCampaigns request (another order). */
  foreignPageToken: string;
  /** google.api.field_behavior of a field. */
  behavior(field: DescField): string[];
  /** JSON paths (dotted) of OUTPUT_ONLY fields the RPC reads as input all the same. */
  inputPaths?: string[];
}

const HUGE = "x".repeat(100_000);
const INT64_MAX = "9223372036854775807";

/** Every mutation of one request message, recursing into nested messages (first list element). */
export function mutationsOf(message: DescMessage, ctx: FuzzContext, path: (string | number)[] = [], depth = 0, outputOnly = false): Mutation[] {
  const out: Mutation[] = [];
  for (const field of message.fields) {
    const p = [...path, field.jsonName];
    const readAnyway = ctx.inputPaths?.includes(p.filter((x) => typeof x === "string").join(".")) ?? false;
    const ignored = !readAnyway && (outputOnly || ctx.behavior(field).includes("OUTPUT_ONLY"));
    const add = (values: Omit<Mutation, "path">[], at = p, list = false) => {
      for (const v of values) {
        const value = v.value;
        // A list field gets a one-element list, derived from the valid list's first element.
        const listed = typeof value === "function" ? (valid: JsonValue | undefined) => [value(Array.isArray(valid) ? valid[0] : undefined)] : [value];
        out.push({ ...v, path: at, value: list ? listed : value, mustRefuse: v.mustRefuse && !ignored });
      }
    };
    switch (field.fieldKind) {
      case "scalar":
        add(scalarValues(field.scalar, field.name, ctx));
        break;
      case "enum":
        add(enumValues());
        break;
      case "message":
        if (field.message.typeName.startsWith("google.protobuf.")) add(wellKnownValues(field.message.typeName));
        else if (depth < 3) {
          add([{ label: "wrong type (string for message)", value: "not-an-object", mustRefuse: true, bodyOnly: true }]);
          out.push(...mutationsOf(field.message, ctx, p, depth + 1, ignored));
        }
        break;
      case "list":
        if (field.listKind === "scalar") add(scalarValues(field.scalar, field.name, ctx).slice(0, 4), p, true);
        else if (field.listKind === "enum") add(enumValues(), p, true);
        else if (field.message.typeName.startsWith("google.protobuf.")) add(wellKnownValues(field.message.typeName), p, true);
        else if (depth < 3) {
          add([{ label: "wrong type (object for list)", value: { a: 1 }, mustRefuse: true, bodyOnly: true }]);
          out.push(...mutationsOf(field.message, ctx, [...p, 0], depth + 1, ignored));
        }
        break;
      case "map":
        add([
          { label: "NUL in map key", value: { "k\u0000ey": "v" }, mustRefuse: true },
          { label: "NUL in map value", value: { key: "v\u0000alue" }, mustRefuse: true },
          { label: "100 KB map value", value: { key: HUGE }, mustRefuse: true },
          { label: "invalid UTF-8 in map value", value: { key: BAD_UTF8 }, mustRefuse: true },
        ]);
        break;
    }
  }
  return out;
}

function scalarValues(type: ScalarType, name: string, ctx: FuzzContext): Omit<Mutation, "path">[] {
  switch (type) {
    case ScalarType.STRING:
      // Built from the valid value, so that its format still holds (an email stays an email, a
      // name filter a name filter) and only the hostile part is wrong: that is what reaches storage.
      return [
        { label: "NUL byte", value: (v) => embed(v, "\u0000"), mustRefuse: true },
        { label: "100 KB string", value: (v) => `${text(v)}${HUGE}`, mustRefuse: true },
        { label: "invalid UTF-8", value: (v) => embed(v, BAD_UTF8), mustRefuse: true },
        { label: "wrong type (number for string)", value: 12345, mustRefuse: true, bodyOnly: true },
        ...(name.endsWith("date") ? dateValues() : []),
        ...(name === "page_token" ? pageTokenValues(ctx.pageToken, ctx.foreignPageToken) : []),
      ];
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return [
        { label: "-1", value: "-1", mustRefuse: false },
        { label: "0", value: "0", mustRefuse: false },
        { label: "2^63-1", value: INT64_MAX, mustRefuse: false },
        { label: "-2^63", value: "-9223372036854775808", mustRefuse: false },
        // Not representable in int64: only JSON can say it, and must be refused.
        { label: "2^63", value: "9223372036854775808", mustRefuse: true, bodyOnly: false },
        { label: "wrong type (word for int64)", value: "twelve", mustRefuse: true },
      ];
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return [
        { label: "-1", value: -1, mustRefuse: false },
        { label: "0", value: 0, mustRefuse: false },
        { label: "2^31-1", value: 2147483647, mustRefuse: false },
        { label: "2^31", value: 2147483648, mustRefuse: true },
        { label: "wrong type (word for int32)", value: "twelve", mustRefuse: true },
      ];
    case ScalarType.BOOL:
      return [{ label: "wrong type (word for bool)", value: "maybe", mustRefuse: true }];
    default:
      return [
        { label: "-1", value: -1, mustRefuse: false },
        { label: "wrong type (word for number)", value: "twelve", mustRefuse: true },
      ];
  }
}

function enumValues(): Omit<Mutation, "path">[] {
  return [
    { label: "unknown enum number 99", value: 99, mustRefuse: true },
    { label: "unknown enum number -1", value: -1, mustRefuse: true },
    { label: "unknown enum name", value: "NOT_A_VALUE", mustRefuse: true },
  ];
}

function wellKnownValues(typeName: string): Omit<Mutation, "path">[] {
  if (typeName === "google.protobuf.Timestamp") {
    return [
      { label: "year 0001", value: "0001-01-01T00:00:00Z", mustRefuse: true },
      { label: "year 9999", value: "9999-12-31T23:59:59.999999999Z", mustRefuse: true },
      { label: "malformed timestamp", value: "yesterday", mustRefuse: true },
    ];
  }
  if (typeName === "google.protobuf.FieldMask") {
    return [
      { label: "unknown mask path", value: "no_such_field", mustRefuse: true },
      { label: "NUL in mask path", value: "descr\u0000iption", mustRefuse: true },
    ];
  }
  return [];
}

function dateValues(): Omit<Mutation, "path">[] {
  return [
    { label: "date in year 0001", value: "0001-01-01", mustRefuse: true },
    { label: "date in year 9999", value: "9999-12-31", mustRefuse: true },
    { label: "impossible date", value: "2025-02-30", mustRefuse: true },
  ];
}

const text = (v: JsonValue | undefined) => (typeof v === "string" && v !== "" ? v : "sweep");
/** `what` inserted two characters before the end ("a@example.c\0om"), where formats rarely look. */
function embed(v: JsonValue | undefined, what: string): string {
  const t = text(v);
  const at = Math.max(0, t.length - 2);
  return `${t.slice(0, at)}${what}${t.slice(at)}`;
}

function pageTokenValues(real: string, foreign: string): Omit<Mutation, "path">[] {
  const mid = Math.floor(real.length / 2);
  const flipped = `${real.slice(0, mid)}${real[mid] === "A" ? "B" : "A"}${real.slice(mid + 1)}`;
  const values: Omit<Mutation, "path">[] = [
    { label: "garbage page token", value: "not a page token!", mustRefuse: true },
    { label: "garbled page token", value: flipped, mustRefuse: true },
    { label: "another request's page token", value: foreign, mustRefuse: true },
  ];
  // Today's tokens are base64url JSON: keep the shape, forge the values inside.
  try {
    const decoded = JSON.parse(Buffer.from(real, "base64url").toString("utf8")) as Record<string, unknown>;
    for (const [forged, label] of [
      ["not-a-value", "forged page token (values replaced)"],
      ["9999-12-31T23:59:59Z", "forged page token (year 9999)"],
    ] as const) {
      const t = Object.fromEntries(Object.entries(decoded).map(([k, v]) => [k, k === "f" ? v : typeof v === "string" ? forged : v]));
      values.push({ label, value: Buffer.from(JSON.stringify(t)).toString("base64url"), mustRefuse: true });
    }
  } catch {
    // Opaque (e.g. signed) tokens: the garbled one covers them.
  }
  return values;
}
