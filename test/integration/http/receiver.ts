// Test harness for the webhook receiver: a real express server on a free port, a real Redis,
// queues under a random prefix so job counts belong to this test alone.
import { randomUUID } from "node:crypto";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Job } from "bullmq";
import { Registry } from "prom-client";
import { parseConfig } from "../../../src/config/load.ts";
import type { FerryConfig } from "../../../src/config/schema.ts";
import { createApp } from "../../../src/http/app.ts";
import { keyPattern } from "../../../src/keys.ts";
import { closeServer, listen } from "../../../src/http/server.ts";
import { createRedis } from "../../../src/queue/connection.ts";
import { createEnqueuer, type Enqueuer } from "../../../src/queue/enqueue.ts";
import type { QueueKind } from "../../../src/queue/types.ts";
import { captureLogs } from "../../support/logs.ts";
import { signGithub } from "../../support/sign.ts";

export const githubSecret = `gh-secret-${randomUUID()}`;
export const gitlabSecret = `gl-secret-${randomUUID()}`;

export function testConfig(
  apps: Array<Record<string, unknown>>,
  forges?: Array<Record<string, unknown>>,
): FerryConfig {
  return parseConfig({
    forges: forges ?? [
      { name: "github", type: "github", webhookSecret: githubSecret },
      { name: "gitlab", type: "gitlab", webhookSecret: gitlabSecret },
    ],
    clusters: [{ name: "local", kubeconfig: "/dev/null" }],
    apps: apps.map((app) => ({ destination: { cluster: "local", namespace: "default" }, ...app })),
  });
}

export interface Receiver {
  url: string;
  enqueuer: Enqueuer;
  registry: Registry;
  logs: ReturnType<typeof captureLogs>;
  server: Server;
  post: (forge: string, body: string | Buffer, headers: Record<string, string>) => Promise<Response>;
  postGithub: (event: string, body: string, extra?: Record<string, string>) => Promise<Response>;
  postGitlab: (event: string, body: string, extra?: Record<string, string>) => Promise<Response>;
  jobs: (queue: QueueKind) => Promise<Job[]>;
  close: () => Promise<void>;
}

export async function startReceiver(redisUrl: string, config: FerryConfig): Promise<Receiver> {
  const redis = createRedis(redisUrl, "receiver");
  redis.on("error", () => undefined);
  const prefix = `t-${randomUUID()}`;
  const enqueuer = createEnqueuer(redis, { prefix, timeoutMs: 1_500 });
  const registry = new Registry();
  const logs = captureLogs();
  const app = createApp({ config, enqueuer, redis, logger: logs.logger, registry, queueTimeoutMs: 1_500 });
  const server = await listen(app, 0, "127.0.0.1");
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const post = (forge: string, body: string | Buffer, headers: Record<string, string>) =>
    fetch(`${url}/webhooks/${forge}`, { method: "POST", body, headers });
  return {
    url,
    enqueuer,
    registry,
    logs,
    server,
    post,
    postGithub: (event, body, extra = {}) =>
      post("github", body, {
        "content-type": "application/json",
        "x-github-event": event,
        "x-github-delivery": randomUUID(),
        "x-hub-signature-256": signGithub(body, githubSecret),
        ...extra,
      }),
    postGitlab: (event, body, extra = {}) =>
      post("gitlab", body, {
        "content-type": "application/json",
        "x-gitlab-event": event,
        "x-gitlab-token": gitlabSecret,
        "x-gitlab-event-uuid": randomUUID(),
        ...extra,
      }),
    jobs: (queue) =>
      enqueuer.queues[queue].getJobs(["waiting", "delayed", "prioritized", "active", "completed", "failed"]),
    close: async () => {
      await closeServer(server);
      await enqueuer.close();
      // BullMQ's keys and Ferry's own (delivery ledger, pending previews) share the prefix.
      const keys = await redis.keys(keyPattern(prefix)).catch(() => []);
      if (keys.length > 0) await redis.del(...keys).catch(() => undefined);
      redis.disconnect();
    },
  };
}
