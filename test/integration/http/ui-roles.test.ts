// What each signed-in user may see and do (issue 18), on a real OpenID provider and a real
// Redis: two teams' readers, each with a role on one project. Every way the UI or the API shows
// state — the live event stream, the previews page, /api/apps — carries only the apps (and the
// previews of those apps' repositories) the user's role reads; Sync --force needs admin.
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Registry } from "prom-client";
import { afterEach, beforeEach, describe, expect, inject, it } from "vitest";
import { createApp } from "../../../src/http/app.ts";
import { closeServer } from "../../../src/http/server.ts";
import type { WebhookEnqueuer } from "../../../src/http/webhook-route.ts";
import { keyPattern } from "../../../src/keys.ts";
import { savePreviewPage } from "../../../src/preview/pages.ts";
import { createRedis, type RedisClient } from "../../../src/queue/connection.ts";
import { changeRequestKey } from "../../../src/queue/job-ids.ts";
import { recordDeployment } from "../../../src/sync/history.ts";
import { SESSION_COOKIE } from "../../../src/ui/auth/session.ts";
import { readEventStream } from "../../support/event-stream.ts";
import { captureLogs } from "../../support/logs.ts";
import {
  startTestProvider,
  testBrowser,
  type Browser,
  type TestProvider,
  type TestUser,
} from "../../support/oidc.ts";
import { appName, deployment, generatedConfig, seedState } from "../../support/ui-state.ts";

// generatedConfig: even apps are team-a's (repos acme/deploy-0, -2), odd ones team-b's (-1, -3).
const teamA: TestUser = { sub: "u-a", email: "amy@example.com", name: "Amy", groups: ["team-a"] };
const teamB: TestUser = { sub: "u-b", email: "bo@example.com", name: "Bo", groups: ["team-b"] };
const deployerA: TestUser = { sub: "u-s", email: "sam@example.com", name: "Sam", groups: ["deployers-a"] };

let redis: RedisClient;
let prefix: string;
let provider: TestProvider;
let server: Server;
let base: string;
let shutdown: AbortController;
let enqueued: number;

beforeEach(async () => {
  redis = createRedis(inject("redisUrl"), "worker");
  prefix = `t-${randomBytes(6).toString("hex")}`;
  shutdown = new AbortController();
  enqueued = 0;
  provider = await startTestProvider();
  // The callback URL is part of the config, so listen first and hand the app to the server after.
  server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  provider.register(`${base}/ui/auth/callback`);
  const config = generatedConfig(4, prefix, {
    server: { host: "0.0.0.0", publicUrl: base },
    ui: {
      oidc: {
        issuer: provider.issuer,
        clientId: provider.clientId,
        clientSecret: provider.clientSecret,
        redirectUrl: `${base}/ui/auth/callback`,
        sessionSecret: "r".repeat(16) + "-roles-test-session-secret-42",
      },
      roles: [
        { project: "team-a", read: ["team-a"], sync: ["deployers-a"] },
        { project: "team-b", read: ["team-b"] },
      ],
    },
  });
  await seedState(redis, config, () => false);
  const enqueuer = {
    enqueueSync: () => {
      enqueued++;
      throw new Error("no test here may queue a sync");
    },
  } as unknown as WebhookEnqueuer;
  server.on(
    "request",
    createApp({
      config,
      enqueuer,
      redis,
      logger: captureLogs().logger,
      registry: new Registry(),
      shutdown: shutdown.signal,
    }),
  );
});

afterEach(async () => {
  shutdown.abort();
  await closeServer(server);
  await provider.close();
  const keys = await redis.keys(keyPattern(prefix));
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

async function signIn(user: TestUser): Promise<Browser> {
  provider.signInAs(user);
  const browser = testBrowser();
  const home = await browser.open(`${base}/ui/`);
  expect(home.status).toBe(200);
  expect(home.text).toContain(user.email);
  return browser;
}

const cookieOf = (browser: Browser) => `${SESSION_COOKIE}=${browser.cookie(base, SESSION_COOKIE) ?? ""}`;

/**
 * Opens `path`'s event stream as `browser`, then writes changes of both teams' apps and
 * previews until one of `wanted`'s lines has arrived (the feed's subscriber may still be
 * connecting), and returns everything the stream carried.
 */
async function streamed(browser: Browser, wanted: string): Promise<string> {
  const aborter = new AbortController();
  const response = await fetch(`${base}/ui/events`, {
    headers: { cookie: cookieOf(browser) },
    signal: aborter.signal,
  });
  expect(response.status).toBe(200);
  const stream = readEventStream(response.body!);
  while (!stream.text.includes(wanted)) {
    for (const index of [0, 1, 2, 3])
      await recordDeployment(redis, prefix, appName(index), deployment(index));
    for (const repo of ["acme/deploy-0", "acme/deploy-1"])
      await savePreviewPage(
        redis,
        prefix,
        changeRequestKey("github", repo, 9),
        randomBytes(24).toString("base64url"),
        "<p>",
      );
    await stream.next(200);
  }
  // Everything written in the round that brought `wanted` was published before it: take what
  // is already on its way of that round.
  while (await stream.next(300));
  aborter.abort();
  await stream.close();
  return stream.text;
}

describe("what a user's role reads", () => {
  it(
    "streams only the changes of the apps and previews the reader may read",
    { timeout: 60_000 },
    async () => {
      const amy = await signIn(teamA);
      const bo = await signIn(teamB);
      const [forAmy, forBo] = await Promise.all([
        streamed(amy, `data: {"preview":"github/acme/deploy-0!9"}`),
        streamed(bo, `data: {"preview":"github/acme/deploy-1!9"}`),
      ]);
      expect(forAmy).toContain(`data: {"app":"${appName(0)}"}`);
      expect(forAmy).toContain(`data: {"app":"${appName(2)}"}`);
      expect(forAmy).not.toContain(appName(1));
      expect(forAmy).not.toContain(appName(3));
      expect(forAmy).not.toContain("deploy-1!");
      expect(forBo).toContain(`data: {"app":"${appName(1)}"}`);
      expect(forBo).not.toContain(appName(0));
      expect(forBo).not.toContain("deploy-0!");

      // An app's stream of another team's app is refused, as its page is.
      const other = await fetch(`${base}/ui/events?app=${appName(1)}`, {
        headers: { cookie: cookieOf(amy) },
      });
      expect(other.status).toBe(403);
      await other.body?.cancel();
    },
  );

  it("lists only the previews of repositories with an app the reader may read", async () => {
    const id0 = randomBytes(24).toString("base64url");
    const id1 = randomBytes(24).toString("base64url");
    await savePreviewPage(redis, prefix, changeRequestKey("github", "acme/deploy-0", 42), id0, "<p>");
    await savePreviewPage(redis, prefix, changeRequestKey("github", "acme/deploy-1", 43), id1, "<p>");
    const amy = await signIn(teamA);
    const page = await amy.open(`${base}/ui/previews`);
    expect(page.status).toBe(200);
    expect(page.text).toContain(`/previews/${id0}`);
    expect(page.text).not.toContain(`/previews/${id1}`);
    expect(page.text).not.toContain("!43");
  });

  it("serves /api/apps only to a signed-in user, with only the apps their role reads", async () => {
    expect((await fetch(`${base}/api/apps`)).status).toBe(401);
    expect((await fetch(`${base}/api/apps/${appName(0)}`)).status).toBe(401);
    const amy = await signIn(teamA);
    const headers = { cookie: cookieOf(amy) };
    const list = (await (await fetch(`${base}/api/apps`, { headers })).json()) as {
      apps: { name: string }[];
    };
    expect(list.apps.map((app) => app.name)).toEqual([appName(0), appName(2)]);
    expect((await fetch(`${base}/api/apps/${appName(0)}`, { headers })).status).toBe(200);
    expect((await fetch(`${base}/api/apps/${appName(1)}`, { headers })).status).toBe(403);
    // A cookie signed with another key is no session.
    const forged = await fetch(`${base}/api/apps`, {
      headers: { cookie: `${SESSION_COOKIE}=eyJhbGciOiJIUzI1NiJ9.e30.x` },
    });
    expect(forged.status).toBe(401);
  });

  it("refuses Sync --force to a user with the sync role, and queues nothing", async () => {
    const sam = await signIn(deployerA);
    const page = await sam.open(`${base}/ui/apps/${appName(0)}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain("/actions/sync");
    expect(page.text).not.toContain("/actions/sync-force");
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1] ?? "";
    expect(csrf).not.toBe("");
    const forced = await sam.open(`${base}/ui/apps/${appName(0)}/actions/sync-force`, { _csrf: csrf });
    expect(forced.status).toBe(403);
    expect(forced.text).toContain("needs the admin role");
    expect(enqueued).toBe(0);
  });
});
