// Signing in to the web UI (issue 18) in a real browser: Debian's chromium (playwright-core)
// opens /ui/, follows Ferry's redirect to a real OpenID provider (oidc-provider on loopback),
// fills in and submits its login form, and comes back through Ferry's callback to /ui/, signed
// in, with the user's name in the header. Then the admin opens the app and presses Sync: the
// sync worker deploys on the run's control plane and the history names them.
import { describe, expect, it, onTestFinished } from "vitest";
import { readHistory } from "../../../src/sync/history.ts";
import { useBrowser } from "../../support/browser.ts";
import { signInWith, startTestProvider, type TestUser } from "../../support/oidc.ts";
import { deployFirst, deployment, setup } from "../deploy/fixtures.ts";

const admin: TestUser = { sub: "u-admin", email: "ada@example.com", name: "Ada", groups: ["ops"] };
const chrome = useBrowser();

describe("signing in to the web UI in a real browser", () => {
  it(
    "follows the provider's login form back to /ui/ signed in, and runs the admin's Sync",
    { timeout: 300_000 },
    async () => {
      let ferryUrl = "";
      const provider = await startTestProvider({ loginForm: true });
      onTestFinished(() => provider.close());
      const s = await setup(
        "github",
        { "apps/web/deployment.yaml": deployment("nginx:1.27") },
        {},
        {
          ui: (url) => {
            ferryUrl = url;
            return signInWith(provider, url, [{ project: "*", admin: ["ops"] }]);
          },
        },
      );
      const first = await deployFirst(s);
      const { runtime } = s.harness;
      provider.signInAs(admin);

      const context = await chrome.browser.newContext();
      onTestFinished(() => context.close());
      const page = await context.newPage();
      await page.goto(`${ferryUrl}/ui/`);
      // Not signed in: the browser is on the provider's login form, not on Ferry.
      await page.waitForURL((url) => url.href.startsWith(`${provider.issuer}/interaction/`));
      await page.getByLabel("Email").fill(admin.email);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.waitForURL(`${ferryUrl}/ui/`);
      expect(await page.locator("header .user").innerText()).toContain(admin.email);
      expect(await page.locator("header").getByRole("button", { name: "Sign out" }).count()).toBe(1);

      await page.locator(`tr[data-app="${s.app}"] th a`).click();
      await page.waitForURL(`${ferryUrl}/ui/apps/${s.app}`);
      const [answer] = await Promise.all([
        page.waitForResponse((response) => response.url().endsWith(`/ui/apps/${s.app}/actions/sync`)),
        page.getByRole("button", { name: "Sync", exact: true }).click(),
      ]);
      // The form's answer sends the browser back to the app page (303), not an error.
      expect(answer.status()).toBe(303);
      await page.waitForURL(`${ferryUrl}/ui/apps/${s.app}`);
      await s.harness.idle();
      expect((await readHistory(runtime.redis, runtime.prefix, s.app))[0]).toMatchObject({
        revision: first,
        result: "succeeded",
        cause: { kind: "ui", action: "sync", user: admin.email },
      });
      // The open page shows it, live or after the redirect.
      await page
        .locator("section", { hasText: "Deploy history" })
        .filter({ hasText: `sync in the web UI by ${admin.email}` })
        .waitFor({ timeout: 60_000 });
    },
  );
});
