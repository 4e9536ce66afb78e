import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, it } from "node:test";
import { checkLayering, scanImports } from "./layering.js";

describe("scanImports", () => {
  it("finds static, bare, re-exported, dynamic and required imports, and tells type-only ones", () => {
    const src = [
      `import { a, type B } from "./a.js";`,
      `import type { C } from "../c.js";`,
      `import {`,
      `  type D,`,
      `  type E as F,`,
      `} from './d.js';`,
      `import * as ns from "knex";`,
      `import def from "pg";`,
      `import "./side-effect.js";`,
      `export { g } from "./g.js";`,
      `export type { H } from "./h.js";`,
      `const m = await import("kafkajs");`,
      `const r = require("ioredis");`,
    ].join("\n");
    assert.deepEqual(
      scanImports(src).map((r) => [r.line, r.specifier, r.typeOnly, r.names]),
      [
        [1, "./a.js", false, ["a", "B"]],
        [2, "../c.js", true, ["C"]],
        [3, "./d.js", true, ["D", "E"]],
        [7, "knex", false, null],
        [8, "pg", false, null],
        [9, "./side-effect.js", false, null],
        [10, "./g.js", false, ["g"]],
        [11, "./h.js", true, ["H"]],
        [12, "kafkajs", false, null],
        [13, "ioredis", false, null],
      ],
    );
  });

  it("ignores imports written inside comments, strings and templates", () => {
    const src = [
      `// import { x } from "knex";`,
      `/* import "pg";`,
      `   export * from "kafkajs"; */`,
      `const s = "import { y } from 'ioredis'";`,
      'const t = `import("@grpc/grpc-js")`;',
      `import { ok } from "./ok.js"; // import "pg"`,
    ].join("\n");
    assert.deepEqual(
      scanImports(src).map((r) => r.specifier),
      ["./ok.js"],
    );
  });
});

describe("checkLayering", () => {
  const root = mkdtempSync(join(tmpdir(), "layering-"));
  after(() => rmSync(root, { recursive: true, force: true }));
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };

  it("lets pure domain code through and names every forbidden import with its line", () => {
    write("gen/tally/x/v1/x.ts", "export interface X {}\n");
    write("services/common/src/errors.ts", "export class AppError {}\n");
    write("services/common/src/db.ts", 'import knex from "knex";\nexport const db = knex;\n');
    write("services/common/src/campaign-client.ts", "export interface CampaignInfo {}\n");
    write("services/s/src/store/s-store.ts", "export const store = 1;\n");
    write("services/s/src/rpc/convert.ts", "export const c = 1;\n");
    write(
      "services/s/src/domain/pure.ts",
      'import { AppError } from "../../../common/src/errors.js";\nimport { isIPv6 } from "node:net";\nimport { createHash } from "node:crypto";\nimport { other } from "./other.js";\n',
    );
    write("services/s/src/domain/other.ts", "export const other = 1;\n");
    write(
      "services/s/src/domain/bad.ts",
      [
        'import type { X } from "../../../../gen/tally/x/v1/x.js";',
        'import type { CampaignInfo } from "../../../common/src/campaign-client.js";',
        'import { store } from "../store/s-store.js";',
        'import { c } from "../rpc/convert.js";',
        'import { Metadata } from "@grpc/grpc-js";',
        'import { createServer } from "node:net";',
        'import { db } from "../../../common/src/db.js";',
        'import type { Knex } from "knex";',
      ].join("\n"),
    );
    const found = checkLayering(root).map((v) => `${v.file}:${v.line} ${v.specifier} — ${v.why}`);
    assert.deepEqual(found, [
      "services/s/src/domain/bad.ts:1 ../../../../gen/tally/x/v1/x.js — generated code (gen/)",
      "services/s/src/domain/bad.ts:2 ../../../common/src/campaign-client.js — a client module (declare the port the domain needs in the domain)",
      "services/s/src/domain/bad.ts:3 ../store/s-store.js — the store/ layer",
      "services/s/src/domain/bad.ts:4 ../rpc/convert.js — the rpc/ layer",
      "services/s/src/domain/bad.ts:5 @grpc/grpc-js — an I/O or transport library (@grpc/grpc-js)",
      "services/s/src/domain/bad.ts:6 node:net — an I/O or transport library (node:net)",
      "services/s/src/domain/bad.ts:0 knex — an I/O or transport library (knex) (through services/common/src/db.ts)",
      "services/s/src/domain/bad.ts:8 knex — an I/O or transport library (knex)",
    ]);
  });
});
