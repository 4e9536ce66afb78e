/**
 * The ListCampaigns filter: a documented subset of AIP-160, parsed into conditions the store turns
 * into SQL with bind parameters (never into SQL text). Pure.
 *
 *   filter    := term { AND term }                      AND is case-insensitive
 *   term      := status op-set values | type op-set values
 *              | name ":" text | name "=" text           contains / equals, both case-insensitive
 *              | time-field op-time timestamp            create_time, update_time, launch_time,
 *                                                        start_time, end_time
 *   op-set    := "=" | "!="                              any of / none of the values
 *   op-time   := "=" | ">" | ">=" | "<" | "<="
 *   values    := value | "(" value { OR value } ")"      OR only inside a value list
 *   value     := word | "quoted text"                    enum names short or wire (ACTIVE,
 *                                                        CAMPAIGN_STATUS_ACTIVE), any case
 *   timestamp := RFC 3339, quoted or bare ("2026-01-01T00:00:00Z")
 *
 * Every problem is reported on the field `filter` with its 1-based character position, and every
 * term is checked (a bad term does not hide the next one's problem).
 */
import { CAMPAIGN_STATUSES, CAMPAIGN_TYPES, wireStatus, wireType, type CampaignStatus, type CampaignType } from "./campaign.js";

export const TIME_FIELDS = ["create_time", "update_time", "launch_time", "start_time", "end_time"] as const;
export type TimeField = (typeof TIME_FIELDS)[number];
export type TimeOp = "=" | ">" | ">=" | "<" | "<=";

export type FilterCondition =
  | { field: "status"; values: CampaignStatus[]; negate: boolean }
  | { field: "type"; values: CampaignType[]; negate: boolean }
  | { field: "name"; match: "contains" | "equals"; text: string }
  | { field: TimeField; op: TimeOp; time: Date };

export interface FilterProblem {
  /** 1-based character position in the filter where the problem starts. */
  position: number;
  message: string;
}

class ParseError extends Error {
  constructor(
    readonly position: number,
    message: string,
  ) {
    super(message);
  }
}

/** Conditions joined by AND, or every problem found. */
export function parseCampaignFilter(filter: string): { conditions: FilterCondition[]; problems: FilterProblem[] } {
  const conditions: FilterCondition[] = [];
  const problems: FilterProblem[] = [];
  for (const term of splitTerms(filter)) {
    try {
      conditions.push(new TermParser(filter, term.start, term.end).parse());
    } catch (err) {
      if (!(err instanceof ParseError)) throw err;
      problems.push({ position: err.position + 1, message: err.message });
    }
  }
  return { conditions, problems };
}

/** Splits on AND outside quotes and parentheses; an empty term (`a AND AND b`) is a problem of its own. */
function splitTerms(s: string): { start: number; end: number }[] {
  const terms: { start: number; end: number }[] = [];
  let start = 0;
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (quoted) {
      if (ch === "\\") i++;
      else if (ch === '"') quoted = false;
      continue;
    }
    if (ch === '"') quoted = true;
    else if (ch === "(") depth++;
    else if (ch === ")") depth--;
    else if (depth === 0 && /\s/.test(ch) && /^\s+AND\s/i.test(s.slice(i))) {
      terms.push({ start, end: i });
      const m = /^\s+AND/i.exec(s.slice(i))!;
      start = i + m[0].length;
      i = start - 1;
    }
  }
  if (s.trim() !== "") terms.push({ start, end: s.length });
  return terms;
}

const STATUS_OF = new Map<string, CampaignStatus>(CAMPAIGN_STATUSES.flatMap((st) => [[st, st] as const, [wireStatus(st), st] as const]));
const TYPE_OF = new Map<string, CampaignType>(CAMPAIGN_TYPES.flatMap((t) => [[t, t] as const, [wireType(t), t] as const]));

/** Recursive descent over one term, s[start, end). */
class TermParser {
  private i: number;

  constructor(
    private readonly s: string,
    start: number,
    private readonly end: number,
  ) {
    this.i = start;
  }

  parse(): FilterCondition {
    this.space();
    const at = this.i;
    const field = this.match(/^[A-Za-z_]+/);
    if (!field) throw new ParseError(at, this.i >= this.end ? "expected a term, found nothing (a stray AND?)" : `expected a field name, found ${this.show()}`);
    const name = field.toLowerCase();
    this.space();
    const opAt = this.i;
    const op = this.match(/^(!=|>=|<=|=|:|>|<)/);
    if (!op) throw new ParseError(opAt, `expected an operator after ${field}, found ${this.show()}`);
    this.space();
    let condition: FilterCondition;
    if (name === "status" || name === "type") {
      if (op !== "=" && op !== "!=") throw new ParseError(opAt, `${name} takes = or !=, not ${op}`);
      condition =
        name === "status"
          ? { field: "status", values: this.enumValues(STATUS_OF, wireStatus), negate: op === "!=" }
          : { field: "type", values: this.enumValues(TYPE_OF, wireType), negate: op === "!=" };
    } else if (name === "name") {
      if (op !== ":" && op !== "=") throw new ParseError(opAt, `name takes : (contains) or = (equals), not ${op}`);
      const textAt = this.i;
      const text = this.value();
      if (text === "") throw new ParseError(textAt, "name needs a non-empty text");
      condition = { field: "name", match: op === ":" ? "contains" : "equals", text };
    } else if ((TIME_FIELDS as readonly string[]).includes(name)) {
      if (op === ":" || op === "!=") throw new ParseError(opAt, `${name} takes =, >, >=, < or <=, not ${op}`);
      condition = { field: name as TimeField, op: op as TimeOp, time: this.timestamp() };
    } else {
      throw new ParseError(at, `unknown field ${JSON.stringify(field)}; filter on status, type, name, ${TIME_FIELDS.join(", ")}`);
    }
    this.space();
    if (this.i < this.end) throw new ParseError(this.i, `unexpected ${this.show()} after the term; join terms with AND`);
    return condition;
  }

  private enumValues<T>(table: Map<string, T>, wire: (v: string) => string): T[] {
    const raw: { text: string; at: number }[] = [];
    if (this.s[this.i] === "(") {
      this.i++;
      for (;;) {
        this.space();
        raw.push({ at: this.i, text: this.value() });
        this.space();
        if (this.s[this.i] === ")") {
          this.i++;
          break;
        }
        const orAt = this.i;
        if (!this.match(/^OR\b/i)) throw new ParseError(orAt, `expected OR or ) in the value list, found ${this.show()}`);
      }
    } else {
      raw.push({ at: this.i, text: this.value() });
    }
    return raw.map(({ text, at }) => {
      const v = table.get(text.toUpperCase());
      if (v === undefined)
        throw new ParseError(
          at,
          `unknown value ${JSON.stringify(text.slice(0, 40))}; one of ${[...new Set(table.values())].map((x) => wire(String(x))).join(", ")}`,
        );
      return v;
    });
  }

  private timestamp(): Date {
    const at = this.i;
    const text = this.value();
    const ok = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i.test(text);
    const time = new Date(text);
    // Date rolls 2026-02-30 over to March 2; a calendar day that does not exist is refused.
    const [y, m, d] = text.slice(0, 10).split("-").map(Number) as [number, number, number];
    const realDay = new Date(Date.UTC(y, m - 1, d)).getUTCDate() === d;
    if (!ok || !realDay || Number.isNaN(time.getTime()))
      throw new ParseError(at, `expected an RFC 3339 timestamp like "2026-01-01T00:00:00Z", found ${JSON.stringify(text.slice(0, 40))}`);
    return time;
  }

  /** A quoted string (\" and \\ escapes) or a bare word. */
  private value(): string {
    const at = this.i;
    if (this.s[this.i] === '"') {
      let out = "";
      for (this.i++; this.i < this.end; this.i++) {
        const ch = this.s[this.i]!;
        if (ch === "\\" && this.i + 1 < this.end) out += this.s[++this.i];
        else if (ch === '"') {
          this.i++;
          return out;
        } else out += ch;
      }
      throw new ParseError(at, "unterminated quoted string");
    }
    const word = this.match(/^[^\s()"]+/);
    if (word === null) throw new ParseError(at, `expected a value, found ${this.show()}`);
    return word;
  }

  private match(re: RegExp): string | null {
    const m = re.exec(this.s.slice(this.i, this.end));
    if (!m) return null;
    this.i += m[0].length;
    return m[0];
  }

  private space(): void {
    while (this.i < this.end && /\s/.test(this.s[this.i]!)) this.i++;
  }

  private show(): string {
    return this.i >= this.end ? "the end of the term" : JSON.stringify(this.s.slice(this.i, Math.min(this.end, this.i + 20)));
  }
}
