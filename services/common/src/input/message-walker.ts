/**
 * Walks a request object (ts-proto's shape: camelCase properties, int64 as decimal strings,
 * Timestamp as Date, FieldMask as string[], oneofs as {$case, value}) by its message descriptor
 * and records every field that breaks the input rules. Paths use proto field names:
 * `campaign.end_time`, `events[3].event_id`, `attributes`.
 */
import type { DescEnum, DescField, DescMessage } from "@bufbuild/protobuf";
import { ScalarType } from "@bufbuild/protobuf";
import { instantProblem } from "../contract/time-bounds.js";
import type { FieldViolation } from "../errors.js";
import type { InputCaps } from "./input-caps.js";
import { quoteValue, textProblem } from "./text-rules.js";

const INT64_TYPES = new Set([ScalarType.INT64, ScalarType.UINT64, ScalarType.SINT64, ScalarType.FIXED64, ScalarType.SFIXED64]);
const INT32_TYPES = new Set([ScalarType.INT32, ScalarType.UINT32, ScalarType.SINT32, ScalarType.FIXED32, ScalarType.SFIXED32]);

/** Collects violations up to the cap, then only counts the rest (their list would become a header). */
export class ViolationSink {
  readonly list: FieldViolation[] = [];
  private dropped = 0;

  constructor(private readonly max: number) {}

  add(field: string, description: string): void {
    if (this.list.length < this.max) this.list.push({ field, description });
    else this.dropped++;
  }

  /** The violations, with one more naming how many were left out. */
  result(): FieldViolation[] {
    return this.dropped === 0 ? this.list : [...this.list, { field: "", description: `${this.dropped} more not listed` }];
  }
}

const join = (path: string, name: string) => (path ? `${path}.${name}` : name);

export class MessageWalker {
  constructor(private readonly caps: InputCaps) {}

  message(desc: DescMessage, value: unknown, path: string, sink: ViolationSink): void {
    if (value === undefined || value === null) return;
    if (desc.typeName === "google.protobuf.Timestamp") return this.timestamp(value, path, sink);
    if (desc.typeName === "google.protobuf.FieldMask")
      return this.list(`${desc.typeName}.paths`, value, join(path, "paths"), sink, (p, at) => this.text(`${desc.typeName}.paths`, p, at, sink));
    if (typeof value !== "object") return sink.add(path, "must be a message");
    const obj = value as Record<string, unknown>;
    for (const field of desc.fields) {
      this.field(field, read(obj, field), join(path, field.name), sink);
    }
  }

  private field(field: DescField, value: unknown, path: string, sink: ViolationSink): void {
    if (value === undefined || value === null) return;
    const key = `${field.parent.typeName}.${field.name}`;
    switch (field.fieldKind) {
      case "scalar":
        return this.scalar(key, field, field.scalar, value, path, sink);
      case "enum":
        return this.enumValue(field.enum, value, path, sink);
      case "message":
        return this.message(field.message, value, path, sink);
      case "list": {
        const itemized = this.caps.itemized.has(key);
        return this.list(key, value, path, sink, (item, at) => {
          if (itemized) return;
          if (field.listKind === "scalar") this.scalar(key, field, field.scalar, item, at, sink);
          else if (field.listKind === "enum") this.enumValue(field.enum, item, at, sink);
          else this.message(field.message, item, at, sink);
        });
      }
      case "map":
        return this.map(key, field, value, path, sink);
    }
  }

  private list(key: string, value: unknown, path: string, sink: ViolationSink, each: (item: unknown, path: string) => void): void {
    if (!Array.isArray(value)) return sink.add(path, "must be a list");
    const max = this.caps.items[key] ?? this.caps.defaultItems;
    if (value.length > max) return sink.add(path, `must have at most ${max} entries`);
    for (let i = 0; i < value.length; i++) each(value[i], `${path}[${i}]`);
  }

  private map(key: string, field: Extract<DescField, { fieldKind: "map" }>, value: unknown, path: string, sink: ViolationSink): void {
    if (typeof value !== "object") return sink.add(path, "must be a map");
    const entries = Object.entries(value as Record<string, unknown>);
    const max = this.caps.items[key] ?? this.caps.defaultItems;
    if (entries.length > max) return sink.add(path, `must have at most ${max} entries`);
    for (const [k, v] of entries) {
      const keyProblem = textProblem(k, this.caps.stringChars[`${key}#key`] ?? this.caps.defaultStringChars);
      if (keyProblem) {
        sink.add(path, `a key ${keyProblem}`);
        continue;
      }
      // Keys are checked before they are quoted, so the path stays short and printable.
      const at = `${path}[${quoteValue(k)}]`;
      if (field.mapKind === "scalar") this.scalar(`${key}#value`, field, field.scalar, v, at, sink);
      else if (field.mapKind === "enum") this.enumValue(field.enum, v, at, sink);
      else this.message(field.message, v, at, sink);
    }
  }

  private scalar(key: string, field: DescField, type: ScalarType, value: unknown, path: string, sink: ViolationSink): void {
    // Calendar-date strings (`*_date`) are left to the use cases, which apply the same rule
    // (contract/time-bounds.ts) together with their other checks, so that a client with a
    // malformed date and a bad time zone hears about both at once.
    if (type === ScalarType.STRING) return this.text(key, value, path, sink);
    if (INT64_TYPES.has(type)) return this.integer(key, value, path, sink, this.caps.defaultInt64);
    if (INT32_TYPES.has(type)) return this.integer(key, value, path, sink, this.caps.defaultInt32);
    if ((type === ScalarType.DOUBLE || type === ScalarType.FLOAT) && !Number.isFinite(value)) sink.add(path, "must be a finite number");
  }

  private text(key: string, value: unknown, path: string, sink: ViolationSink): void {
    if (typeof value !== "string") return sink.add(path, "must be a string");
    const problem = textProblem(value, this.caps.stringChars[key] ?? this.caps.defaultStringChars);
    if (problem) sink.add(path, problem);
  }

  private integer(key: string, value: unknown, path: string, sink: ViolationSink, fallback: readonly [bigint, bigint]): void {
    const [min, max] = this.caps.intRange[key] ?? fallback;
    let n: bigint;
    try {
      n = BigInt(value as string | number);
    } catch {
      return sink.add(path, "must be an integer");
    }
    if (n < min || n > max) sink.add(path, `must be between ${min} and ${max}`);
  }

  private enumValue(desc: DescEnum, value: unknown, path: string, sink: ViolationSink): void {
    // ts-proto keeps unknown wire numbers as numbers, and maps unknown JSON names to UNRECOGNIZED (-1).
    if (typeof value === "number" && desc.values.some((v) => v.number === value)) return;
    const shown = typeof value === "number" ? String(value) : quoteValue(String(value));
    sink.add(path, `${shown} is not a ${desc.name} value`);
  }

  private timestamp(value: unknown, path: string, sink: ViolationSink): void {
    const problem = value instanceof Date ? instantProblem(value) : "is not a valid timestamp";
    if (problem) sink.add(path, problem);
  }
}

/** A field's value in ts-proto's shape; oneof members live under the oneof's name as {$case, value}. */
function read(obj: Record<string, unknown>, field: DescField): unknown {
  if (!field.oneof) return obj[field.localName];
  const group = obj[field.oneof.localName] as { $case?: string; value?: unknown } | undefined;
  return group?.$case === field.localName ? group.value : undefined;
}
