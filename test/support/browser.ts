// A real browser for the UI tests: Debian's chromium (installed by scripts/setup.ts) driven by
// playwright-core, which downloads no browser of its own. `useBrowser` launches one for a test
// file and always closes it, so a failing test leaves no chromium behind.
import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll } from "vitest";

export const CHROMIUM = process.env.FERRY_TEST_CHROMIUM ?? "/usr/bin/chromium";

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no chromium at ${CHROMIUM}: run \`npm run setup\` as root (apt-get install chromium)`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Chromium's sandbox refuses to start as root; a normal user keeps it.
    args: process.getuid?.() === 0 ? ["--no-sandbox"] : [],
  });
}

/** One browser for the test file: `const chrome = useBrowser(); … chrome.browser`. */
export function useBrowser(): { readonly browser: Browser } {
  let current: Browser | undefined;
  beforeAll(async () => {
    current = await launchBrowser();
  });
  afterAll(async () => {
    await current?.close();
    current = undefined;
  });
  return {
    get browser() {
      if (!current) throw new Error("useBrowser: only available inside a test");
      return current;
    },
  };
}
