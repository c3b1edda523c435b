// Acceptance (issue 18) in a real browser: Debian's chromium driven by playwright-core against
// one `ferry up --config` child process with two apps deployed from a local git repository to
// the test control plane. The apps page lists both Synced/Healthy and shows a pushed revision
// without a reload (its live event stream); the app page shows the Deployment → ReplicaSet →
// Pods tree and, after a real `kubectl scale` with self-heal off, OutOfSync with the field
// manager behind the drift; the previews page lists an open pull request's preview. Each page
// is checked for accessible names, landmarks, text contrast (WCAG AA), keyboard reach, on a
// phone-sized viewport (no sideways scrolling, tap targets of 24 px, text of 12 px at least)
// and for loading nothing from anywhere but this server. Screenshots go to
// test-results/ui/ (ignored by git) for reviewers.
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { toolPath } from "../../../src/render/binaries.ts";
import { useBrowser } from "../../support/browser.ts";
import { createNamespace, type TestNamespace } from "../../support/cluster.ts";
import { FakeGithub } from "../../support/fakes/github.ts";
import { startFerryUp, type FerryUp } from "../../support/ferry-up.ts";
import { createRepo, git, type TestRepo } from "../../support/git.ts";
import { freePort } from "../../support/ports.ts";
import { postSignedGithub } from "../../support/sign.ts";
import { githubPush } from "../deploy/payloads.ts";
import { githubPullRequest } from "../preview/payloads.ts";
import {
  accessibility,
  lowContrast,
  markWindow,
  resourceUrls,
  sidewaysScroll,
  smallTapTargets,
  smallText,
  tabStops,
  windowMarked,
} from "./a11y.ts";

const run = promisify(execFile);
const REPO = "acme/deploy";
const ZERO = "0".repeat(40);
/** The cluster does the work behind each wait (deploys, health, drift): generous, not timed. */
const SLOW = 120_000;
const screenshots = join(import.meta.dirname, "../../../test-results/ui");

function deployment(name: string, image: string): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: 1
  selector:
    matchLabels:
      app: ${name}
  template:
    metadata:
      labels:
        app: ${name}
    spec:
      containers:
        - name: ${name}
          image: ${image}
`;
}

const chrome = useBrowser();
let ns: TestNamespace | undefined;
let repo: TestRepo | undefined;
let github: FakeGithub | undefined;
let up: FerryUp | undefined;
let secret = "";
let first = "";
const opened: Page[] = [];

function ferry(): FerryUp {
  if (!up) throw new Error("ferry up did not start");
  return up;
}

async function postGithub(event: string, body: string): Promise<void> {
  const answer = await postSignedGithub(ferry().url, event, body, secret);
  expect(answer.status, await answer.text()).toBe(202);
}

async function pushMain(before: string, after: string, modified: string[]): Promise<void> {
  await postGithub("push", githubPush({ repo: REPO, branch: "main", before, after, modified }));
}

/**
 * A page of this server's UI, in `viewport`, that fails the test on a script error, a CSP
 * violation or any request to another origin (the chart's CSP allows only self).
 */
async function openUi(path: string, viewport = { width: 1280, height: 900 }): Promise<Page> {
  const context = await chrome.browser.newContext({ viewport });
  const page = await context.newPage();
  opened.push(page);
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(`script error: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console error: ${message.text()}`);
  });
  page.on("response", (response) => {
    if (response.status() >= 400) problems.push(`${response.status()} for ${response.url()}`);
  });
  page.on("request", (request) => {
    if (!request.url().startsWith(`${ferry().url}/`)) problems.push(`request to ${request.url()}`);
  });
  (page as Page & { problems?: string[] }).problems = problems;
  const response = await page.goto(`${ferry().url}${path}`);
  expect(response?.status()).toBe(200);
  expect(response?.headers()["content-security-policy"]).toContain("default-src 'none'");
  return page;
}

/** The apps the list's rows name, in order. */
async function listedApps(page: Page): Promise<Array<string | null>> {
  return Promise.all(
    (await page.locator("tbody tr[data-app]").all()).map((row) => row.getAttribute("data-app")),
  );
}

function problemsOf(page: Page): string[] {
  return (page as Page & { problems?: string[] }).problems ?? [];
}

async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(screenshots, { recursive: true });
  await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
}

const PHONE = { width: 390, height: 844 };

/**
 * What a page must be on a phone: nothing wider than the screen (no sideways scrolling of the
 * page or of any part of it), controls big enough to tap, text big enough to read, and the
 * desktop checks (names, landmarks, contrast).
 */
async function expectPhoneFriendly(page: Page, name: string): Promise<void> {
  const found = {
    sideways: await sidewaysScroll(page),
    smallTapTargets: await smallTapTargets(page),
    smallText: await smallText(page),
  };
  expect(found, name).toEqual({ sideways: [], smallTapTargets: [], smallText: [] });
  await expectAccessible(page);
  await screenshot(page, name);
}

/** Landmarks, named controls, and nothing loaded from elsewhere: what every page must have. */
async function expectAccessible(page: Page): Promise<void> {
  const ax = await accessibility(page);
  expect(ax.landmarks).toEqual(expect.arrayContaining(["banner", "navigation", "main"]));
  expect(ax.controls.length).toBeGreaterThan(0);
  expect(ax.controls.filter((control) => control.name === "")).toEqual([]);
  expect(await lowContrast(page)).toEqual([]);
  const resources = await resourceUrls(page);
  expect(resources.length).toBeGreaterThan(0);
  expect(resources.filter((url) => !url.startsWith("/"))).toEqual([]);
  expect(problemsOf(page)).toEqual([]);
}

beforeAll(async () => {
  ns = await createNamespace("ui");
  repo = await createRepo({
    "apps/web/deployment.yaml": deployment("web", "nginx:1.27"),
    "apps/api/deployment.yaml": deployment("api", "nginx:1.27"),
  });
  first = await repo.head();
  github = await FakeGithub.start();
  secret = `gh-${randomUUID()}`;
  const port = await freePort();
  const app = (name: string) => ({
    name,
    forge: "github",
    repo: REPO,
    repoUrl: repo?.dir,
    branch: "main",
    path: `apps/${name}`,
    destination: { cluster: "local", namespace: ns?.name },
    // The drift stays for the page to show: nothing corrects it. The watcher takes up to 30 s to
    // watch a kind the first deploy introduced; a short interval has reconcile compare anyway.
    sync: { selfHeal: false, interval: "10s" },
  });
  up = await startFerryUp({
    redis: { url: inject("redisUrl"), prefix: `t-${randomUUID()}` },
    server: { port, host: "127.0.0.1", publicUrl: `http://127.0.0.1:${port}` },
    forges: [
      { name: "github", type: "github", apiUrl: github.url, token: github.token, webhookSecret: secret },
    ],
    clusters: [{ name: "local", kubeconfig: inject("kubeconfig") }],
    apps: [app("web"), app("api")],
  });
  await pushMain(ZERO, first, ["apps/web/deployment.yaml", "apps/api/deployment.yaml"]);
});

afterAll(async () => {
  for (const page of opened) await page.context().close();
  await up?.stop();
  try {
    github?.assertNoUnexpected();
  } finally {
    await github?.close();
    await ns?.delete();
    await repo?.cleanup();
  }
});

describe("the web UI in a real browser", { timeout: 240_000 }, () => {
  let apps: Page;

  it("lists both apps Synced and Healthy", async () => {
    apps = await openUi("/ui/");
    for (const name of ["web", "api"]) {
      await apps
        .locator(`tr[data-app="${name}"]`)
        .filter({ hasText: "Synced" })
        .filter({ hasText: "Healthy" })
        .filter({ hasText: first.slice(0, 7) })
        .waitFor({ timeout: SLOW });
    }
    await expectAccessible(apps);
    await screenshot(apps, "apps");
  });

  it("shows a pushed revision on the open apps page without reloading it", async () => {
    // Set on the page's window: a reload or navigation would lose it.
    await markWindow(apps);
    await repo?.write({ "apps/web/deployment.yaml": deployment("web", "nginx:1.28") });
    const second = (await repo?.commit("web: nginx 1.28")) ?? "";
    await pushMain(first, second, ["apps/web/deployment.yaml"]);

    await apps
      .locator('tr[data-app="web"]')
      .filter({ hasText: second.slice(0, 7) })
      .filter({ hasText: "Synced" })
      .filter({ hasText: "Healthy" })
      .waitFor({ timeout: SLOW });
    expect(await windowMarked(apps)).toBe(true);
    // The other app was not part of the push.
    expect(await apps.locator('tr[data-app="api"] td.rev').innerText()).toContain(first.slice(0, 7));
    await screenshot(apps, "apps-after-push");
  });

  it("reaches the filter and the apps' links with the keyboard, and filters", async () => {
    const stops = await tabStops(apps, 12);
    expect(stops[0]).toBe("a[href=#main]");
    expect(stops).toContain("input[name=q]");
    expect(stops).toContain("select[name=sync]");
    expect(stops).toContain("button");
    expect(stops).toContain("a[href=/ui/apps/web]");

    await apps.locator("input[name=q]").focus();
    await apps.keyboard.type("api");
    await apps.keyboard.press("Enter");
    await apps.waitForURL(/\?q=api/);
    expect(await listedApps(apps)).toEqual(["api"]);
    await expectAccessible(apps);
  });

  it("renders the apps list on a phone without sideways scrolling", async () => {
    const phone = await openUi("/ui/", PHONE);
    await phone.locator('tr[data-app="web"]').waitFor();
    // Every app's name, state and revision is on screen, not clipped away. Measured in one turn
    // of the page's script: a live update may replace the table between two separate reads.
    const edges = await phone.evaluate<Array<{ what: string; right: number | null }>>(`(() =>
      ["web", "api"].flatMap((name) => ["th a", ".badge", "td.rev code"].map((part) => {
        const box = document.querySelector('tr[data-app="' + name + '"] ' + part)?.getBoundingClientRect();
        return { what: name + " " + part, right: box && box.width > 0 ? box.right : null };
      })))()`);
    expect(edges).toHaveLength(6);
    for (const { what, right } of edges) {
      expect(right, what).not.toBeNull();
      expect(right ?? Infinity, what).toBeLessThanOrEqual(PHONE.width);
    }
    await expectPhoneFriendly(phone, "apps-phone");
  });

  it("shows the Deployment, its ReplicaSet and Pods with their health", async () => {
    const page = await openUi("/ui/apps/web");
    const deploymentNode = page.locator('li[data-kind="Deployment"]');
    const pod = deploymentNode.locator('li[data-kind="ReplicaSet"] li[data-kind="Pod"]').first();
    // The tree is read from the cluster when the page is served: ask again until the Pods run.
    await expect
      .poll(
        async () => {
          await page.reload();
          return (await pod.count()) > 0 ? await pod.locator(":scope > .badge").innerText() : "no pod yet";
        },
        { timeout: SLOW, interval: 1_000 },
      )
      .toBe("Healthy");
    expect(await deploymentNode.locator(":scope > .badge").innerText()).toBe("Healthy");
    expect(await deploymentNode.locator(":scope > .kind").innerText()).toBe("Deployment");
    expect(await pod.innerText()).toMatch(new RegExp(`^Pod\\s+${ns?.name}/web-`));
    await expectAccessible(page);
    await screenshot(page, "app");
  });

  it("shows OutOfSync and who changed spec.replicas after kubectl scale, without reloading", async () => {
    const page = await openUi("/ui/apps/web");
    await markWindow(page);
    await run(toolPath("kubectl"), [
      "--kubeconfig",
      inject("kubeconfig"),
      "-n",
      ns?.name ?? "",
      "scale",
      "deployment/web",
      "--replicas=3",
    ]);
    await page
      .locator(".drift-list")
      .filter({ hasText: "kubectl (scale) changed spec.replicas 1 → 3" })
      .waitFor({ timeout: SLOW });
    expect(await page.locator(".facts .badge.sync-outofsync").innerText()).toBe("OutOfSync");
    expect(await windowMarked(page)).toBe(true);
    await expectAccessible(page);
    await screenshot(page, "app-drift");

    // The apps page marks the drift too.
    const list = await openUi("/ui/?sync=OutOfSync");
    expect(await listedApps(list)).toEqual(["web"]);
    expect(await list.locator('tr[data-app="web"] .drift').innerText()).toBe("drift");

    // On a phone: the tree, the drift with its field managers and the history all fit.
    const phone = await openUi("/ui/apps/web", PHONE);
    await phone.locator(".drift-list").filter({ hasText: "changed spec.replicas" }).waitFor();
    await phone.locator('li[data-kind="Pod"]').first().waitFor();
    await expectPhoneFriendly(phone, "app-phone");
  });

  it("lists an open pull request's preview on the previews page as it is published", async () => {
    const page = await openUi("/ui/previews");
    await git(repo?.dir ?? "", "checkout", "-q", "-b", "feature");
    await repo?.write({ "apps/api/deployment.yaml": deployment("api", "nginx:1.29") });
    const head = (await repo?.commit("api: nginx 1.29")) ?? "";
    await git(repo?.dir ?? "", "checkout", "-q", "main");
    github?.seedPull(REPO, { number: 12, headSha: head });
    await postGithub(
      "pull_request",
      githubPullRequest({
        action: "opened",
        repo: REPO,
        number: 12,
        headSha: head,
        baseSha: (await repo?.head()) ?? "",
        headRef: "feature",
        baseRef: "main",
      }),
    );
    const row = page.locator("tbody tr").filter({ hasText: "!12" });
    await row.waitFor({ timeout: SLOW });
    expect(await row.locator('a[href="/ui/apps/api"]').innerText()).toBe("api");
    const full = await row.locator("a", { hasText: "full preview" }).getAttribute("href");
    expect(full).toMatch(/^\/previews\/\S+/);
    await expectAccessible(page);
    await screenshot(page, "previews");

    const phone = await openUi("/ui/previews", PHONE);
    await phone.locator("tbody tr").filter({ hasText: "!12" }).waitFor();
    await expectPhoneFriendly(phone, "previews-phone");
  });
});
