// The common ground of the end-to-end harnesses (deploy, preview): the forge fakes, a ferry.yaml
// pointing at them and at the run's Redis and control plane with a random key prefix (every
// key of the run lives under it, src/keys.ts, and goes with it), and the express app on a free port with signed webhook helpers. Each harness adds
// its own queue's worker on top; everything registered with `defer` is undone by `close`.
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inject } from "vitest";
import { parseConfig } from "../../src/config/load.ts";
import type { FerryConfig } from "../../src/config/schema.ts";
import { createApp } from "../../src/http/app.ts";
import { closeServer, listen } from "../../src/http/server.ts";
import { keyPattern } from "../../src/keys.ts";
import { createRedis, type RedisClient } from "../../src/queue/connection.ts";
import { createEnqueuer } from "../../src/queue/enqueue.ts";
import { createRuntime, type Runtime } from "../../src/runtime/context.ts";
import { FakeGithub } from "./fakes/github.ts";
import type { FakeAppOptions } from "./fakes/github-app.ts";
import { FakeGitlab } from "./fakes/gitlab.ts";
import { captureLogs } from "./logs.ts";
import { freePort } from "./ports.ts";
import { signGithub } from "./sign.ts";

export type WebhookAnswer = { status: number; jobs: string[] };

export interface E2eBase {
  config: FerryConfig;
  runtime: Runtime;
  /** The random key prefix of this harness (config.redis.prefix). */
  prefix: string;
  github: FakeGithub;
  gitlab: FakeGitlab;
  url: string;
  logs: ReturnType<typeof captureLogs>;
  postGithub: (event: string, body: string) => Promise<WebhookAnswer>;
  postGitlab: (event: string, body: string) => Promise<WebhookAnswer>;
  /** A new Redis connection, closed with the harness (BullMQ leaves handed-in ones open). */
  connection: () => RedisClient;
  /** Registers a clean-up step; `close` runs them in reverse order. */
  defer: (step: () => Promise<unknown>) => void;
  close: () => Promise<void>;
}

export interface E2eOptions {
  apps: Array<Record<string, unknown>>;
  extraClusters?: Array<Record<string, unknown>>;
  projects?: Array<Record<string, unknown>>;
  /** ferry.yaml's image updates (docs/image-updates.md): `registries` and `images`. */
  registries?: Array<Record<string, unknown>>;
  images?: Array<Record<string, unknown>>;
  /** The "local" cluster's kubeconfig (e.g. a recording proxy's); the run's control plane by default. */
  kubeconfig?: string;
  /** The receiver's port, when something started before it must know where to call (a registry). */
  port?: number;
  /** Prefix of the temporary workDir's name. */
  workDirPrefix: string;
  /** The `github` forge is a GitHub App (the fake verifies its JWT and installation tokens). */
  githubApp?: FakeAppOptions;
  /** ferry.yaml's `ui` (sign-in and roles); `redirectUrl` is made from the harness's URL. */
  ui?: (url: string) => Record<string, unknown>;
}

/** Runs `build` with a fresh set of clean-up steps; on failure they are run before rethrowing. */
async function withClosers<T>(
  build: (defer: E2eBase["defer"], close: E2eBase["close"]) => Promise<T>,
): Promise<T> {
  const closers: Array<() => Promise<unknown>> = [];
  const close = async () => {
    for (const step of closers.splice(0).reverse()) await step().catch(() => undefined);
  };
  try {
    return await build((step) => closers.push(step), close);
  } catch (error) {
    await close();
    throw error;
  }
}

export function startE2e(options: E2eOptions): Promise<E2eBase> {
  return withClosers(async (defer, close) => {
    const [github, gitlab] = await Promise.all([
      FakeGithub.start(options.githubApp ? { app: options.githubApp } : {}),
      FakeGitlab.start(),
    ]);
    defer(() => github.close());
    defer(() => gitlab.close());
    const workDir = await mkdtemp(join(tmpdir(), options.workDirPrefix));
    defer(() => rm(workDir, { recursive: true, force: true }));
    const port = options.port ?? (await freePort());
    const url = `http://127.0.0.1:${port}`;
    const githubSecret = `gh-${randomUUID()}`;
    const gitlabSecret = `gl-${randomUUID()}`;
    const prefix = `t-${randomUUID()}`;
    const config = parseConfig({
      redis: { url: inject("redisUrl"), prefix },
      server: { port, host: "127.0.0.1", publicUrl: url },
      workDir,
      forges: [
        {
          name: "github",
          type: "github",
          apiUrl: github.url,
          ...(github.app
            ? { app: { id: github.app.id, privateKey: github.app.privateKeyPem } }
            : { token: github.token }),
          webhookSecret: githubSecret,
        },
        { name: "gitlab", type: "gitlab", url: gitlab.url, token: gitlab.token, webhookSecret: gitlabSecret },
      ],
      clusters: [
        { name: "local", kubeconfig: options.kubeconfig ?? inject("kubeconfig") },
        ...(options.extraClusters ?? []),
      ],
      projects: options.projects ?? [],
      apps: options.apps,
      registries: options.registries ?? [],
      images: options.images ?? [],
      ...(options.ui ? { ui: options.ui(url) } : {}),
    });
    const logs = captureLogs("info");
    const runtime = createRuntime(config, {
      logger: logs.logger,
      forgeOptions: { retryUnitMs: 5, writeIntervalMs: 0 },
    });
    defer(() => runtime.close());
    defer(() => deleteKeys(runtime.redis, keyPattern(prefix)));

    const receiverRedis = createRedis(config.redis, "receiver");
    receiverRedis.on("error", () => undefined);
    defer(() => Promise.resolve(receiverRedis.disconnect()));
    const enqueuer = createEnqueuer(receiverRedis, { prefix });
    defer(() => enqueuer.close());
    const app = createApp({
      config,
      enqueuer,
      redis: receiverRedis,
      logger: logs.logger,
      registry: runtime.registry,
    });
    const server: Server = await listen(app, port, "127.0.0.1");
    defer(() => closeServer(server));

    const post = async (forge: string, body: string, headers: Record<string, string>) => {
      const response = await fetch(`${url}/webhooks/${forge}`, {
        method: "POST",
        body,
        headers: { "content-type": "application/json", ...headers },
      });
      const answer = (await response.json()) as { jobs?: string[] };
      return { status: response.status, jobs: answer.jobs ?? [] };
    };
    return {
      config,
      runtime,
      prefix,
      github,
      gitlab,
      url,
      logs,
      postGithub: (event, body) =>
        post("github", body, {
          "x-github-event": event,
          "x-github-delivery": randomUUID(),
          "x-hub-signature-256": signGithub(body, githubSecret),
        }),
      postGitlab: (event, body) =>
        post("gitlab", body, {
          "x-gitlab-event": event,
          "x-gitlab-token": gitlabSecret,
          "x-gitlab-event-uuid": randomUUID(),
        }),
      connection: () => {
        const client = createRedis(config.redis, "worker");
        defer(() => Promise.resolve(client.disconnect()));
        return client;
      },
      defer,
      close,
    };
  });
}

async function deleteKeys(redis: RedisClient, pattern: string): Promise<void> {
  const keys = await redis.keys(pattern);
  if (keys.length > 0) await redis.del(...keys);
}
