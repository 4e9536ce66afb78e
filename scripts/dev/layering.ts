/**
 * The layering rule of STYLE.md ("the domain never imports generated code, knex, ioredis or
 * kafkajs"), as code: every module under services/<service>/src/domain/ may import neither
 *   - generated code (gen/), nor a module of a service's rpc/ or store/ layer, nor a client module
 *     (*-client.ts: the domain declares the ports it needs instead), nor
 *   - an I/O library (database, Redis, Kafka, gRPC, protobuf runtime, network and file system) —
 *     directly, or through any repository module it imports at run time.
 * A plain import scanner (TypeScript 7 ships no compiler API): comments and strings are blanked
 * first, so an import inside either is not mistaken for one.
 */
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";

export interface ImportRef {
  specifier: string;
  /** `import type` / `export type`: erased at run time, but still a dependency of the source. */
  typeOnly: boolean;
  /** Named bindings (`{ a, b as c }` → ["a", "b"]); null for default, namespace, bare or dynamic imports. */
  names: string[] | null;
  line: number;
}

/**
 * Blanks comments and the contents of string and template literals (quotes stay), keeping every
 * offset and line break, so that patterns run on code alone and specifiers are read back from the
 * original text at the same offsets.
 */
export function blankCommentsAndStrings(src: string): string {
  let out = "";
  let i = 0;
  const blank = (s: string) => s.replace(/[^\n]/g, " ");
  while (i < src.length) {
    const c = src[i]!;
    const next = src[i + 1];
    if (c === "/" && (next === "/" || next === "*")) {
      const end = next === "/" ? src.indexOf("\n", i) : src.indexOf("*/", i + 2);
      const stop = end < 0 ? src.length : next === "/" ? end : end + 2;
      out += blank(src.slice(i, stop));
      i = stop;
    } else if (c === '"' || c === "'" || c === "`") {
      let j = i + 1;
      while (j < src.length && src[j] !== c) j += src[j] === "\\" ? 2 : 1;
      out += `${c}${blank(src.slice(i + 1, j))}${j < src.length ? c : ""}`;
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

// Run on blanked code: a specifier is a quoted run of blanks, read back from the source.
const STATIC = /\b(import|export)\s+(type\s+)?([\w*{}\s,$]*?)\s*from\s*(["'])( *)\4/dg;
const BARE = /\bimport\s*(["'])( *)\1/dg;
const DYNAMIC = /\b(?:import|require)\s*\(\s*(["'])( *)\1\s*\)/dg;

/** Every import, re-export, dynamic import and require of a TypeScript source. */
export function scanImports(src: string): ImportRef[] {
  const code = blankCommentsAndStrings(src);
  const lineOf = (at: number) => code.slice(0, at).split("\n").length;
  const textOf = (m: RegExpMatchArray, group: number) => {
    const [start, end] = m.indices![group]!;
    return src.slice(start, end);
  };
  const refs: ImportRef[] = [];
  for (const m of code.matchAll(STATIC)) {
    const clause = m[3]!.trim();
    const braces = /^\{([^}]*)\}$/.exec(clause);
    const entries = braces
      ? braces[1]!
          .split(",")
          .map((n) => n.trim())
          .filter(Boolean)
      : [];
    const names = braces ? entries.map((n) => n.replace(/^type\s+/, "").split(/\s+as\s+/)[0]!) : null;
    const allInlineTypes = entries.length > 0 && entries.every((n) => /^type\s/.test(n));
    refs.push({ specifier: textOf(m, 5), typeOnly: Boolean(m[2]) || allInlineTypes, names, line: lineOf(m.index!) });
  }
  for (const m of code.matchAll(BARE)) refs.push({ specifier: textOf(m, 2), typeOnly: false, names: null, line: lineOf(m.index!) });
  for (const m of code.matchAll(DYNAMIC)) refs.push({ specifier: textOf(m, 2), typeOnly: false, names: null, line: lineOf(m.index!) });
  return refs.sort((a, b) => a.line - b.line);
}

/** Packages and built-ins that do I/O or belong to the transport: never in the domain. */
const IO_PACKAGES = [
  /^knex$/,
  /^pg(-.*)?$/,
  /^ioredis$/,
  /^redis$/,
  /^kafkajs$/,
  /^@grpc\//,
  /^grpc-health-check$/,
  /^@bufbuild\//,
  /^(node:)?(net|http|https|http2|dgram|dns|dns\/promises|tls|fs|fs\/promises|child_process|cluster|worker_threads)$/,
];
/**
 * Pure parts of an otherwise forbidden module, importable by name only: address parsing and
 * matching (no sockets; BlockList and SocketAddress are in-memory values).
 */
const NET_PURE = ["isIP", "isIPv4", "isIPv6", "BlockList", "SocketAddress"];
const PURE_EXPORTS: Record<string, string[]> = { "node:net": NET_PURE, net: NET_PURE };

export interface Violation {
  file: string;
  line: number;
  specifier: string;
  why: string;
}

/** Why a repository module is off limits to the domain, or null. `path` is relative to the root, with "/". */
function forbiddenModule(path: string): string | null {
  if (path.startsWith("gen/")) return "generated code (gen/)";
  if (/^services\/[^/]+\/src\/(rpc|store)\//.test(path)) return `the ${path.split("/")[3]}/ layer`;
  if (/-client\.ts$/.test(path)) return "a client module (declare the port the domain needs in the domain)";
  return null;
}

function forbiddenPackage(ref: ImportRef): string | null {
  if (!IO_PACKAGES.some((p) => p.test(ref.specifier))) return null;
  const pure = PURE_EXPORTS[ref.specifier];
  if (pure && ref.names && ref.names.length > 0 && ref.names.every((n) => pure.includes(n))) return null;
  return `an I/O or transport library (${ref.specifier})`;
}

function resolveRelative(from: string, specifier: string): string | null {
  const base = resolve(dirname(from), specifier);
  for (const candidate of [base.replace(/\.js$/, ".ts"), base, `${base}.ts`, join(base, "index.ts")]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return null;
}

const rel = (root: string, p: string) => relative(root, p).split(sep).join("/");

/**
 * Checks one domain file: its own imports, then — for repository modules outside the domain that
 * it imports at run time — whatever those import at run time, transitively (so a shared helper
 * cannot bring an I/O library in unseen). Type-only imports are not followed: types vanish at run
 * time, though a type from a forbidden module is itself a violation.
 */
export function checkDomainFile(root: string, file: string): Violation[] {
  const violations: Violation[] = [];
  const seen = new Set<string>();
  const visit = (current: string, chain: string[]) => {
    if (seen.has(current)) return;
    seen.add(current);
    for (const ref of scanImports(readFileSync(current, "utf8"))) {
      const through = chain.length > 0 ? ` (through ${chain.join(" → ")})` : "";
      const report = (why: string) =>
        violations.push({ file: rel(root, file), line: chain.length > 0 ? 0 : ref.line, specifier: ref.specifier, why: `${why}${through}` });
      if (!ref.specifier.startsWith(".")) {
        const why = forbiddenPackage(ref);
        if (why) report(why);
        continue;
      }
      const target = resolveRelative(current, ref.specifier);
      if (!target) continue;
      const why = forbiddenModule(rel(root, target));
      if (why) report(why);
      else if (!ref.typeOnly && !rel(root, target).includes("/domain/")) visit(target, [...chain, rel(root, target)]);
    }
  };
  visit(file, []);
  return violations;
}

export function domainFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith(".ts")) out.push(p);
    }
  };
  const services = join(root, "services");
  for (const s of readdirSync(services)) {
    const domain = join(services, s, "src", "domain");
    if (existsSync(domain)) walk(domain);
  }
  return out.sort();
}

export function checkLayering(root: string): Violation[] {
  return domainFiles(root).flatMap((f) => checkDomainFile(root, f));
}
