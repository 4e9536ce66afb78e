/**
 * Headless Chromium for browser tests: Debian's chromium package (installed by
 * `scripts/stack/stack.sh chromium-path` when missing; $TALLY_CHROMIUM_BIN overrides), driven by
 * playwright-core — which never downloads a browser — with a fresh profile every time.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type BrowserContext } from "playwright-core";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

export function chromiumPath(): string {
  const r = spawnSync("bash", [`${ROOT}scripts/stack/stack.sh`, "chromium-path"], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`stack.sh chromium-path failed: ${r.stderr}`);
  return r.stdout.trim();
}

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), "tally-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath(),
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
