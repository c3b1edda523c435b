// The web UI's sign-in and actions (issue 18) on real parts: a real OpenID provider
// (oidc-provider) on loopback, Ferry's receiver with ui.oidc and ui.roles, the sync worker on
// the run's control plane. A reader sees the app but is refused a sync (403, nothing queued,
// nothing recorded); forms without the session's CSRF token are refused; an admin's Sync runs
// and the history names them; Pause stops pushes and reconcile's heals from deploying, Resume
// lets them again; Rollback returns to a healthy revision of the history.
import { describe, expect, it, onTestFinished } from "vitest";
import { readHistory } from "../../../src/sync/history.ts";
import { SESSION_COOKIE } from "../../../src/ui/auth/session.ts";
import {
  signInWith,
  startTestProvider,
  testBrowser,
  type Browser,
  type TestUser,
} from "../../support/oidc.ts";
import {
  changedFiles,
  deployFirst,
  deployment,
  deploymentView,
  setup,
  waitAvailable,
} from "../deploy/fixtures.ts";

const reader: TestUser = { sub: "u-reader", email: "rita@example.com", name: "Rita", groups: ["viewers"] };
const admin: TestUser = { sub: "u-admin", email: "ada@example.com", name: "Ada", groups: ["ops", "viewers"] };

async function signedIn(
  provider: Awaited<ReturnType<typeof startTestProvider>>,
  url: string,
  user: TestUser,
) {
  provider.signInAs(user);
  const browser = testBrowser();
  const home = await browser.open(`${url}/ui/`);
  expect(home.url).toBe(`${url}/ui/`);
  expect(home.status).toBe(200);
  expect(home.text).toContain(user.email);
  return browser;
}

/** The CSRF token in the app page's forms. */
async function csrfOf(browser: Browser, url: string, app: string): Promise<string> {
  const page = await browser.open(`${url}/ui/apps/${app}`);
  expect(page.status).toBe(200);
  const token = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1];
  expect(token, "the app page carries a CSRF token").toBeDefined();
  return token ?? "";
}

describe("web UI sign-in and actions", () => {
  it(
    "refuses a reader, runs an admin's sync, pauses, resumes and rolls back",
    { timeout: 300_000 },
    async () => {
      let ferryUrl = "";
      const provider = await startTestProvider();
      onTestFinished(() => provider.close());
      const s = await setup(
        "github",
        { "apps/web/deployment.yaml": deployment("nginx:1.27") },
        { selfHeal: true },
        {
          ui: (url) => {
            ferryUrl = url;
            return signInWith(provider, url, [{ project: "*", read: ["viewers"], admin: ["ops"] }]);
          },
        },
      );
      expect(ferryUrl).not.toBe("");
      const { runtime } = s.harness;
      const first = await deployFirst(s);
      const history = () => readHistory(runtime.redis, runtime.prefix, s.app);
      const queued = async () =>
        Object.values(await runtime.enqueuer.queues.sync.getJobCounts()).reduce((a, b) => a + b, 0);

      // Not signed in: the page sends the browser to the provider, an action is refused.
      const anonymous = await fetch(`${ferryUrl}/ui/apps/${s.app}/actions/sync`, {
        method: "POST",
        redirect: "manual",
      });
      expect(anonymous.status).toBe(401);

      // The reader sees the app, and may not sync it.
      const rita = await signedIn(provider, ferryUrl, reader);
      expect((await rita.open(`${ferryUrl}/ui/`)).text).toContain(`data-app="${s.app}"`);
      const ritaToken = await csrfOf(rita, ferryUrl, s.app);
      const jobsBefore = await queued();
      const recordsBefore = (await history()).length;
      const refused = await rita.open(`${ferryUrl}/ui/apps/${s.app}/actions/sync`, { _csrf: ritaToken });
      expect(refused.status).toBe(403);
      expect(refused.text).toContain("needs the sync role");
      expect(await queued()).toBe(jobsBefore);
      expect((await history()).length).toBe(recordsBefore);

      // The admin: no token or another session's token is refused, and nothing is queued.
      const ada = await signedIn(provider, ferryUrl, admin);
      const adaToken = await csrfOf(ada, ferryUrl, s.app);
      expect(adaToken).not.toBe(ritaToken);
      expect((await ada.open(`${ferryUrl}/ui/apps/${s.app}/actions/sync`, {})).status).toBe(403);
      expect((await ada.open(`${ferryUrl}/ui/apps/${s.app}/actions/sync`, { _csrf: ritaToken })).status).toBe(
        403,
      );
      expect(await queued()).toBe(jobsBefore);

      // The admin's sync runs on the control plane, and the history names them.
      const synced = await ada.open(`${ferryUrl}/ui/apps/${s.app}/actions/sync`, { _csrf: adaToken });
      expect(synced.status).toBe(200);
      expect(synced.url).toBe(`${ferryUrl}/ui/apps/${s.app}`);
      await s.harness.idle();
      expect((await history())[0]).toMatchObject({
        revision: first,
        result: "succeeded",
        trigger: "manual",
        cause: { kind: "ui", action: "sync", user: admin.email },
      });
      expect((await ada.open(`${ferryUrl}/ui/apps/${s.app}`)).text).toContain(
        `sync in the web UI by ${admin.email}`,
      );

      // Paused: a push does not deploy, nor does reconcile's heal; /api/apps says so.
      expect((await ada.open(`${ferryUrl}/ui/apps/${s.app}/actions/pause`, { _csrf: adaToken })).status).toBe(
        200,
      );
      // With sign-in on, /api/apps takes the same session as the pages.
      const api = (await (
        await fetch(`${ferryUrl}/api/apps/${s.app}`, {
          headers: { cookie: `${SESSION_COOKIE}=${ada.cookie(ferryUrl, SESSION_COOKIE) ?? ""}` },
        })
      ).json()) as {
        paused?: { by: string };
      };
      expect(api.paused).toMatchObject({ by: admin.email });
      await s.repo.write({ "apps/web/deployment.yaml": deployment("nginx:1.28") });
      const second = await s.repo.commit("1.28");
      const push = await s.harness.pushGithub({
        repo: s.project,
        branch: "main",
        before: first,
        after: second,
        modified: await changedFiles(s.repo, first, second),
      });
      expect(await s.harness.finished(push.jobs)).toMatchObject([{ result: "skipped", reason: "Paused" }]);
      const heal = await runtime.enqueuer.enqueueSync({ app: s.app, reason: "selfHeal", sha: second });
      expect(await s.harness.finished([heal])).toMatchObject([{ result: "skipped", reason: "Paused" }]);
      expect((await deploymentView(s.kube, s.namespace)).image).toBe("nginx:1.27");

      // Resumed: the same push deploys.
      expect(
        (await ada.open(`${ferryUrl}/ui/apps/${s.app}/actions/resume`, { _csrf: adaToken })).status,
      ).toBe(200);
      const again = await s.harness.pushGithub({
        repo: s.project,
        branch: "main",
        before: first,
        after: second,
        modified: await changedFiles(s.repo, first, second),
      });
      expect(await s.harness.finished(again.jobs)).toMatchObject([{ result: "succeeded", revision: second }]);
      await waitAvailable(s.kube, s.namespace, "nginx:1.28");

      // Rollback to the first revision, which the history lists as healthy; a made-up one is refused.
      const page = await ada.open(`${ferryUrl}/ui/apps/${s.app}`);
      expect(page.text).toContain(`Roll back to ${first.slice(0, 7)}`);
      const unknown = await ada.open(`${ferryUrl}/ui/apps/${s.app}/actions/rollback`, {
        _csrf: adaToken,
        revision: "f".repeat(40),
      });
      expect(unknown.status).toBe(400);
      const rolled = await ada.open(`${ferryUrl}/ui/apps/${s.app}/actions/rollback`, {
        _csrf: adaToken,
        revision: first,
      });
      expect(rolled.status).toBe(200);
      await s.harness.idle();
      await waitAvailable(s.kube, s.namespace, "nginx:1.27");
      expect((await history())[0]).toMatchObject({
        revision: first,
        result: "succeeded",
        trigger: "rollback",
        cause: { kind: "ui", action: "rollback", user: admin.email },
      });

      // Signing out ends Ferry's session: the answer to the sign-out form deletes the session
      // cookie (the provider's own session is not ended: docs/ui.md).
      const session = ada.cookie(ferryUrl, SESSION_COOKIE);
      expect(session).toBeTruthy();
      const signOut = await fetch(`${ferryUrl}/ui/auth/logout`, {
        method: "POST",
        redirect: "manual",
        headers: {
          cookie: `${SESSION_COOKIE}=${session}`,
          "content-type": "application/x-www-form-urlencoded",
        },
        body: new URLSearchParams({ _csrf: adaToken }),
      });
      expect(signOut.status).toBe(303);
      const cleared = signOut.headers.getSetCookie().find((line) => line.startsWith(`${SESSION_COOKIE}=`));
      expect(cleared, signOut.headers.getSetCookie().join("\n")).toMatch(
        /max-age=0|expires=thu, 01 jan 1970/i,
      );
    },
  );
});
