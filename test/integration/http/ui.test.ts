// The web UI's read-only pages (issue 18) over HTTP, against a real Redis holding what the
// workers and reconcile write: the apps list with its filters and server-side pages, the app
// page's drift (with the field manager), history and pinned bad revision, the previews page,
// and the headers that keep the pages script-safe.
import { randomBytes } from "node:crypto";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Registry } from "prom-client";
import { afterEach, beforeEach, describe, expect, inject, it } from "vitest";
import type { FerryConfig } from "../../../src/config/schema.ts";
import { readOverviewPage } from "../../../src/status/overview.ts";
import { createApp } from "../../../src/http/app.ts";
import { closeServer, listen } from "../../../src/http/server.ts";
import { keyPattern } from "../../../src/keys.ts";
import { savePreviewPage } from "../../../src/preview/pages.ts";
import { createRedis, type RedisClient } from "../../../src/queue/connection.ts";
import { changeRequestKey } from "../../../src/queue/job-ids.ts";
import { writeAppStatus } from "../../../src/reconcile/status.ts";
import { markBadRevision, recordDeployment } from "../../../src/sync/history.ts";
import type { WebhookEnqueuer } from "../../../src/http/webhook-route.ts";
import { readEventStream } from "../../support/event-stream.ts";
import { captureLogs } from "../../support/logs.ts";
import { testBrowser } from "../../support/oidc.ts";
import { appName, deployment, generatedConfig, revisionOf, seedState } from "../../support/ui-state.ts";

let redis: RedisClient;
let prefix: string;
let server: Server | undefined;
let shutdown: AbortController;

beforeEach(() => {
  redis = createRedis(inject("redisUrl"), "worker");
  prefix = `t-${randomBytes(6).toString("hex")}`;
  shutdown = new AbortController();
});

afterEach(async () => {
  // As the receiver stops: end the event streams, then close.
  shutdown.abort();
  if (server) await closeServer(server);
  server = undefined;
  const keys = await redis.keys(keyPattern(prefix));
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

/** Serves the UI as `ferry up` does: on loopback, where no one signs in. */
async function serve(config: FerryConfig, host = "127.0.0.1"): Promise<string> {
  // The UI only reads; the enqueuer is never called by these requests.
  const enqueuer = {} as WebhookEnqueuer;
  server = await listen(
    createApp({
      config: { ...config, server: { ...config.server, host } },
      enqueuer,
      redis,
      logger: captureLogs().logger,
      registry: new Registry(),
      shutdown: shutdown.signal,
    }),
    0,
    "127.0.0.1",
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function page(url: string): Promise<string> {
  const response = await fetch(url);
  if (response.status !== 200) throw new Error(`${url}: ${response.status} ${await response.text()}`);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-security-policy")).toContain("script-src 'self'");
  expect(response.headers.get("content-type")).toMatch(/^text\/html/);
  // Whitespace between and inside tags carries no meaning; compare without it.
  return (await response.text()).replace(/>\s+</g, "><").replace(/\s+/g, " ").replace(/\s*>/g, ">");
}

/** The app names of the list's rows, in order. */
const rows = (text: string) => [...text.matchAll(/<tr data-app="([^"]+)"/g)].map((match) => match[1]);

describe("the apps page", () => {
  it("redirects / to /ui/ and lists each app with its state, revision link and who deployed it", async () => {
    const config = generatedConfig(3, prefix);
    await seedState(redis, config, (index) => index === 1);
    const base = await serve(config);
    const root = await fetch(`${base}/`, { redirect: "manual" });
    expect(root.status).toBe(302);
    expect(root.headers.get("location")).toBe("/ui/");

    const text = await page(`${base}/ui/`);
    expect(rows(text)).toEqual([appName(0), appName(1), appName(2)]);
    expect(text).toContain(`href="https://github.com/acme/deploy-0/commit/${revisionOf(0)}"`);
    expect(text).toContain("change request 7 by alice, merged by bob");
    expect(text).toContain("3 apps");
    // The drift marker is on the OutOfSync app only.
    const outOfSyncRow = text.slice(
      text.indexOf(`data-app="${appName(1)}"`),
      text.indexOf(`data-app="${appName(2)}"`),
    );
    expect(outOfSyncRow).toContain("OutOfSync");
    expect(outOfSyncRow).toContain(">drift</span>");
    expect(text.split(">drift</span>")).toHaveLength(2);
    expect(text).toContain("No sign-in: this server listens on loopback only");
  });

  it("on loopback, gives the local user a session whose CSRF token the actions need", async () => {
    const config = generatedConfig(2, prefix);
    await seedState(redis, config, () => false);
    const base = await serve(config);
    const browser = testBrowser();
    const page = await browser.open(`${base}/ui/apps/${appName(0)}`);
    const token = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1];
    expect(token).toBeDefined();
    const pause = `${base}/ui/apps/${appName(0)}/actions/pause`;
    expect((await browser.open(pause, {})).status).toBe(403);
    expect((await browser.open(pause, { _csrf: `${token ?? ""}x` })).status).toBe(403);
    // Another browser's session has another token.
    expect((await testBrowser().open(pause, { _csrf: token ?? "" })).status).toBe(403);
    expect(await redis.exists(`${prefix}:sync:${appName(0)}:paused`)).toBe(0);
    const paused = await browser.open(pause, { _csrf: token ?? "" });
    expect(paused.status).toBe(200);
    expect(paused.text).toContain("paused</strong> by local user");
    const api = (await (await fetch(`${base}/api/apps/${appName(0)}`)).json()) as { paused?: { by: string } };
    expect(api.paused?.by).toBe("local user");
  });

  it("answers 401 beyond loopback without ui.oidc, on the pages and on /api/apps that shows the same state", async () => {
    const config = generatedConfig(2, prefix);
    await seedState(redis, config, () => false);
    const base = await serve(config, "0.0.0.0");
    for (const path of ["/ui/", `/ui/apps/${appName(0)}`, "/ui/previews", "/ui/events"]) {
      const response = await fetch(`${base}${path}`);
      expect(response.status, path).toBe(401);
      expect(await response.text()).toContain("sets no ui.oidc");
    }
    for (const path of ["/api/apps", `/api/apps/${appName(0)}`]) {
      const response = await fetch(`${base}${path}`);
      expect(response.status, path).toBe(401);
      expect(await response.text()).toContain("sets no ui.oidc");
    }
    // The webhooks are the receiver's job and stay open to the forge (signed, not signed in).
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it("filters by text, project, cluster and sync state, and pages on the server", async () => {
    const config = generatedConfig(130, prefix);
    await seedState(redis, config, (index) => index % 40 === 3);
    const base = await serve(config);

    expect(rows(await page(`${base}/ui/?q=APP-0012`))).toEqual(
      Array.from({ length: 10 }, (_, i) => appName(120 + i)),
    );
    const west = rows(await page(`${base}/ui/?project=team-b&cluster=west&q=app-0000`));
    expect(west).toEqual([1, 3, 5, 7, 9].map(appName));
    expect(rows(await page(`${base}/ui/?project=team-b&cluster=east`))).toEqual([]);
    expect(rows(await page(`${base}/ui/?sync=OutOfSync`))).toEqual([3, 43, 83, 123].map(appName));

    const first = await page(`${base}/ui/`);
    expect(rows(first)).toHaveLength(50);
    expect(first).toContain('rel="next" href="/ui/?page=2"');
    const last = await page(`${base}/ui/?page=3`);
    expect(rows(last)).toEqual(Array.from({ length: 30 }, (_, i) => appName(100 + i)));
    expect(last).not.toContain('rel="next"');
    // A bad page number is the first page; a bad filter a clear 400, not a crash.
    expect(rows(await page(`${base}/ui/?page=-4`))).toHaveLength(50);
    const bad = await fetch(`${base}/ui/?sync=Nope`);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("bad filter: sync");
  });

  it("counts the matches of configuration and state filters, and reads only the page's records", async () => {
    const config = generatedConfig(600, prefix);
    await seedState(redis, config, (index) => index % 2 === 0);
    const source = { redis, prefix };
    const page1 = await readOverviewPage(source, config.apps, { offset: 0, limit: 10 });
    expect(page1.apps.map((app) => app.name)).toEqual(Array.from({ length: 10 }, (_, i) => appName(i)));
    expect(page1.total).toBe(600);
    expect(page1.more).toBe(true);

    // The state filter reads the state index, not the records: apps whose records are gone but
    // whose index says OutOfSync are still found (and their page shows the index's state).
    await redis.del(...config.apps.slice(0, 20).map((app) => `${prefix}:reconcile:${app.name}:status`));
    const outOfSync = await readOverviewPage(source, config.apps, {
      sync: "OutOfSync",
      offset: 0,
      limit: 10,
    });
    expect(outOfSync.apps.map((app) => app.name)).toEqual(
      Array.from({ length: 10 }, (_, i) => appName(2 * i)),
    );
    expect(outOfSync.apps.every((app) => app.sync === "OutOfSync")).toBe(true);
    expect(outOfSync.total).toBe(300);
    expect(outOfSync.more).toBe(true);
    const lastPage = await readOverviewPage(source, config.apps, {
      sync: "OutOfSync",
      offset: 290,
      limit: 20,
    });
    expect(lastPage.apps.map((app) => app.name)).toEqual(
      Array.from({ length: 10 }, (_, i) => appName(580 + 2 * i)),
    );
    expect(lastPage.total).toBe(300);
    expect(lastPage.more).toBe(false);
  });
});

describe("the app page", () => {
  it("shows the drift with the manager of each field, the pinned bad revision and the history, escaped", async () => {
    const config = generatedConfig(1, prefix);
    const name = appName(0);
    await recordDeployment(
      redis,
      prefix,
      name,
      deployment(0, {
        revision: "d".repeat(40),
        result: "rolled-back",
        reason: "RolledBack",
        health: "Degraded",
        message: "<script>alert(1)</script> never became ready",
        rolledBackTo: revisionOf(0),
        cause: { kind: "command", user: "carol", force: true },
      }),
    );
    await markBadRevision(redis, prefix, name, "d".repeat(40));
    await writeAppStatus(
      redis,
      {
        app: name,
        status: "OutOfSync",
        checkedAt: new Date().toISOString(),
        drifted: [
          {
            key: "apps/Deployment/ns-0/web",
            apiVersion: "apps/v1",
            kind: "Deployment",
            namespace: "ns-0",
            name: "web",
            state: "modified",
            fields: [
              {
                field: "spec.replicas",
                managers: ["kubectl"],
                desired: "2",
                live: "5",
                text: "kubectl changed spec.replicas 2 → 5",
              },
            ],
            summary: ["Deployment web: kubectl changed spec.replicas 2 → 5"],
          },
        ],
      },
      prefix,
    );
    const base = await serve(config);
    const text = await page(`${base}/ui/apps/${name}`);
    expect(text).toMatch(/<code>spec.replicas<\/code><\/td><td data-label="Changed by">\s*kubectl\s*<\/td>/);
    expect(text).toContain("kubectl changed spec.replicas 2 → 5");
    expect(text).toContain("Pinned bad revision");
    expect(text).toContain(`href="https://github.com/acme/deploy-0/commit/${"d".repeat(40)}"`);
    expect(text).toContain("/ferry sync --force by carol");
    expect(text).toContain("&lt;script&gt;alert(1)&lt;/script&gt; never became ready");
    expect(text).not.toContain("<script>alert");
    expect(text).toContain("no cluster credentials");

    const missing = await fetch(`${base}/ui/apps/nope`);
    expect(missing.status).toBe(404);
  });
});

describe("the previews page", () => {
  it("lists each merge request's live preview under the apps of its repository", async () => {
    const config = generatedConfig(2, prefix);
    const id = randomBytes(24).toString("base64url");
    await savePreviewPage(
      redis,
      prefix,
      changeRequestKey("github", "acme/deploy-1", 42),
      id,
      "<!doctype html>",
    );
    const base = await serve(config);
    const text = await page(`${base}/ui/previews`);
    expect(text).toContain("!42");
    expect(text).toContain(`href="/previews/${id}"`);
    expect(text).toContain(`href="/ui/apps/${appName(1)}"`);
    expect(text).not.toContain(`href="/ui/apps/${appName(0)}"`);
  });
});

describe("static files", () => {
  it("serves the script and stylesheet, and 404s anything else", async () => {
    const base = await serve(generatedConfig(1, prefix));
    const script = await fetch(`${base}/ui/static/ui.js`);
    expect(script.headers.get("content-type")).toMatch(/^text\/javascript/);
    expect(await script.text()).toContain("EventSource");
    expect((await fetch(`${base}/ui/static/..%2Fapp-page.ts`)).status).toBe(404);
  });
});

describe("live updates", () => {
  it("pushes a change event to an app's stream when its deployment is recorded, and not for other apps", async () => {
    const config = generatedConfig(2, prefix);
    const base = await serve(config);
    const aborter = new AbortController();
    const response = await fetch(`${base}/ui/events?app=${appName(1)}`, { signal: aborter.signal });
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const stream = readEventStream(response.body!);
    // The stream's first bytes come once the server has subscribed to the feed's listeners.
    await stream.next(10_000);
    expect(stream.text).toContain("retry:");
    // Written after the stream opened: the other app's change must not show, this app's must.
    // The feed's subscriber connection may still be connecting, so write until one arrives.
    while (!stream.text.includes("event: change")) {
      await recordDeployment(redis, prefix, appName(0), deployment(0));
      await recordDeployment(redis, prefix, appName(1), deployment(1));
      await stream.next(200);
    }
    expect(stream.text).toContain(`data: {"app":"${appName(1)}"}`);
    expect(stream.text).not.toContain(appName(0));
    aborter.abort();
    await stream.close();

    const unknown = await fetch(`${base}/ui/events?app=nope`);
    expect(unknown.status).toBe(404);
  });
});
