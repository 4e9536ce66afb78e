/**
 * `npm run build:dashboard`: bundles dashboard/src (TypeScript + uPlot) with esbuild into the three
 * files Envoy serves from dashboard/public/ — index.html, app.js, app.css (a fixed set: each is an
 * Envoy direct_response route, see envoy/envoy.yaml). index.html names the bundles with a content
 * hash in the query (app.js?v=…), so they can be cached for a year while index.html is revalidated.
 * The output is committed (like gen/); `--check` fails when it is stale (npm test runs it).
 */
import { build } from "esbuild";
import { createHash } from "node:crypto";
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const DASHBOARD_FILES = ["index.html", "app.js", "app.css"] as const;

export async function buildDashboard(outDir: string): Promise<Record<string, number>> {
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: { app: "dashboard/src/main.ts" },
    bundle: true,
    minify: true,
    format: "iife",
    target: ["es2022", "chrome110", "firefox110", "safari16"],
    platform: "browser",
    legalComments: "eof",
    write: false,
    outdir: "out",
    // Standard module resolution, plus NODE_PATH (as Node's own CommonJS resolver would).
    nodePaths: process.env.NODE_PATH ? process.env.NODE_PATH.split(":") : [],
    logLevel: "warning",
  });
  const outputs = new Map(result.outputFiles.map((f) => [f.path.slice(f.path.lastIndexOf("/") + 1), f.contents]));
  const js = outputs.get("app.js");
  const css = outputs.get("app.css");
  if (!js || !css) throw new Error(`esbuild produced ${[...outputs.keys()].join(", ")}; expected app.js and app.css`);
  const hash = (b: Uint8Array) => createHash("sha256").update(b).digest("hex").slice(0, 16);
  const html = readFileSync(join(ROOT, "dashboard/src/index.html"), "utf8").replace("%APP_JS_HASH%", hash(js)).replace("%APP_CSS_HASH%", hash(css));
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, "app.js"), js);
  writeFileSync(join(outDir, "app.css"), css);
  writeFileSync(join(outDir, "index.html"), html);
  return { "index.html": Buffer.byteLength(html), "app.js": js.byteLength, "app.css": css.byteLength };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const target = join(ROOT, "dashboard/public");
  if (process.argv.includes("--check")) {
    const tmp = mkdtempSync(join(tmpdir(), "tally-dashboard-"));
    try {
      await buildDashboard(tmp);
      const stale = DASHBOARD_FILES.filter((f) => {
        try {
          return !readFileSync(join(tmp, f)).equals(readFileSync(join(target, f)));
        } catch {
          return true;
        }
      });
      if (stale.length > 0) {
        console.error(`✗ dashboard/public/ is stale (${stale.join(", ")}): run 'npm run build:dashboard' and commit the result.`);
        process.exit(1);
      }
      console.log("✓ dashboard/public/ matches dashboard/src/");
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  } else {
    const sizes = await buildDashboard(target);
    console.log(
      `✓ dashboard/public/: ${Object.entries(sizes)
        .map(([f, n]) => `${f} ${(n / 1024).toFixed(1)} KiB`)
        .join(", ")}`,
    );
  }
}
