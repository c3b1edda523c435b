// Docker Hub's webhooks and GitHub's package events (GHCR) through Ferry's real receiver
// (POST /webhooks/<registry>, express and the lean listener as served) into a real Redis: the
// image queue and the delivery ledger. A BullMQ worker takes the image jobs and records what they
// say; what the job then decides is the image worker's (notify-to-job.test.ts). The bodies are
// test/fixtures/registries/, shaped as Docker Hub's and GitHub's documented examples.
import { readFileSync } from "node:fs";
import type { Server } from "node:http";
import { Worker } from "bullmq";
import { Registry as Metrics } from "prom-client";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createApp } from "../../../src/http/app.ts";
import { registryBodyLimit } from "../../../src/http/registry-route.ts";
import { closeServer, listen } from "../../../src/http/server.ts";
import { queuePrefix } from "../../../src/keys.ts";
import { duplicateRedis, type RedisClient } from "../../../src/queue/connection.ts";
import { createEnqueuer, type Enqueuer } from "../../../src/queue/enqueue.ts";
import { queueNames, type ImageJob } from "../../../src/queue/types.ts";
import { imageQueueIdle, webImage, webImageConfig } from "../../support/images.ts";
import { captureLogs } from "../../support/logs.ts";
import { freePort } from "../../support/ports.ts";
import { waitFor } from "../../support/process.ts";
import { closeTestRedis, openTestRedis } from "../../support/redis-prefix.ts";
import { signGithub } from "../../support/sign.ts";

const HUB_TOKEN = "dockerhub-url-token-0123456789abcdef";
const GHCR_SECRET = "ghcr-webhook-secret-for-tests";
/** A fixture of test/fixtures/registries/, as the shape the test edits. */
const fixture = <T = Record<string, unknown>>(name: string) =>
  JSON.parse(readFileSync(new URL(`../../fixtures/registries/${name}`, import.meta.url), "utf8")) as T;
interface DockerHubPush {
  push_data: Record<string, unknown>;
  repository: Record<string, unknown>;
}
interface PackageEvent {
  package: { name: string; package_type: string; package_version: Record<string, unknown> };
}
const DIGEST = "sha256:5f0c1d4e9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d";

const logs = captureLogs();
let redis: RedisClient;
let prefix: string;
let enqueuer: Enqueuer;
let server: Server;
let base: string;
let worker: Worker;
/** The data of every image job the worker took, by job id. */
const taken = new Map<string, ImageJob>();

beforeAll(async () => {
  ({ redis, prefix } = openTestRedis());
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const config = webImageConfig(
    { name: "github", type: "github", webhookSecret: "forge-secret-for-tests" },
    [
      { name: "hub", type: "dockerhub", url: "https://registry-1.docker.io", webhookSecret: HUB_TOKEN },
      { name: "ghcr", type: "ghcr", url: "https://ghcr.io", webhookSecret: GHCR_SECRET },
      // Notifications off: polled only.
      { name: "ghcr-quiet", type: "ghcr", url: "https://ghcr.io" },
    ],
    {
      extra: {
        server: { host: "127.0.0.1", port },
        redis: { prefix },
        images: [webImage({ registry: "hub" }), webImage({ name: "web-gh", registry: "ghcr" })],
      },
    },
  );
  enqueuer = createEnqueuer(redis, { prefix });
  server = await listen(
    createApp({ config, enqueuer, redis, logger: logs.logger, registry: new Metrics() }),
    port,
    "127.0.0.1",
  );
  worker = new Worker(
    queueNames.image,
    (job) => {
      taken.set(job.id ?? "", job.data as ImageJob);
      return Promise.resolve();
    },
    { connection: duplicateRedis(redis), prefix: queuePrefix(prefix) },
  );
}, 60_000);

afterAll(async () => {
  await worker?.close();
  if (server) await closeServer(server);
  await enqueuer?.close();
  await closeTestRedis(redis, prefix);
});

/** Image jobs ever added, in any state (the worker keeps completed ones). */
async function jobCount(): Promise<number> {
  const counts = await enqueuer.queues.image.getJobCounts(
    "waiting",
    "active",
    "delayed",
    "prioritized",
    "completed",
    "failed",
  );
  return Object.values(counts).reduce((sum, count) => sum + count, 0);
}

/** Every test starts from a queue without pending jobs (one image has one pending job at most). */
beforeEach(() => imageQueueIdle(enqueuer.queues.image));

/** One answered request and how many image jobs it added (all enqueueing ends before the answer). */
async function deliver(url: string, init: RequestInit) {
  const before = await jobCount();
  const response = await fetch(url, { method: "POST", ...init });
  const body = (await response.json()) as Record<string, unknown>;
  return { status: response.status, body, added: (await jobCount()) - before };
}

async function takenJob(id: unknown): Promise<ImageJob | undefined> {
  await waitFor("the worker to take the job", () => taken.has(String(id)), { timeoutMs: 30_000 });
  return taken.get(String(id));
}

describe("Docker Hub webhooks (type: dockerhub)", () => {
  const hook = (body: unknown, token: string | null = HUB_TOKEN, contentType = "application/json") =>
    deliver(`${base}/webhooks/hub${token === null ? "" : `?token=${encodeURIComponent(token)}`}`, {
      headers: { "content-type": contentType },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });

  it("turns Docker Hub's push into one image job naming the image and tag, and a redelivery into none", async () => {
    const push = fixture<DockerHubPush>("dockerhub-push.json");
    const first = await hook(push);
    expect(first).toMatchObject({ status: 202, added: 1 });
    const [id] = first.body.jobs as string[];
    const job = await takenJob(id);
    expect(job).toEqual({
      image: "web",
      trigger: "notification",
      tag: "1.4.0",
      eventId: expect.stringMatching(/^hub\/[0-9a-f]{32}$/) as unknown,
    });

    const again = await hook(push);
    expect(again).toEqual({ status: 200, body: { ignored: "duplicate delivery" }, added: 0 });
    // Another push of the same tag (a later pushed_at) is a new push.
    const later = await hook({ ...push, push_data: { ...push.push_data, pushed_at: 1795730500 } });
    expect(later).toMatchObject({ status: 202, added: 1 });
  });

  it("refuses a wrong, missing or repeated URL token with 401 before reading the body, logging why but never the token", async () => {
    const push = fixture<DockerHubPush>("dockerhub-push.json");
    const wrong = await hook(push, "dockerhub-url-token-guess");
    expect(wrong).toMatchObject({ status: 401, added: 0 });
    expect(wrong.body.message).toBe("the token in the webhook URL does not match");
    const none = await hook(push, null);
    expect(none).toMatchObject({ status: 401, added: 0 });
    expect(none.body.message).toBe("the webhook URL has no ?token=");
    const repeated = await deliver(`${base}/webhooks/hub?token=${HUB_TOKEN}&token=${HUB_TOKEN}`, {
      headers: { "content-type": "application/json" },
      body: JSON.stringify(push),
    });
    expect(repeated).toMatchObject({ status: 401, added: 0 });
    // Authentication comes first: an oversized body with a wrong token is a 401, not a 413.
    expect(await hook("x".repeat(registryBodyLimit + 1), "dockerhub-url-token-guess")).toMatchObject({
      status: 401,
    });
    expect(logs.text()).toContain("the token in the webhook URL does not match");
    // The URL is a credential: neither the right token nor a guess reaches a log line.
    expect(logs.text()).not.toContain(HUB_TOKEN);
    expect(logs.text()).not.toContain("dockerhub-url-token-guess");
  });

  it("answers a malformed body 400 naming the field, an oversized one 413, another content type 415", async () => {
    const push = fixture<DockerHubPush>("dockerhub-push.json");
    const noTag = await hook({ ...push, push_data: { pushed_at: 1795730400 } });
    expect(noTag).toMatchObject({ status: 400, added: 0 });
    expect(noTag.body.message).toMatch(/^Docker Hub webhook payload: push_data\.tag: /);
    expect(await hook("{not json")).toMatchObject({
      status: 400,
      body: { message: "body is not valid JSON" },
    });
    expect(await hook({ ...push, repository: { repo_name: "" } })).toMatchObject({ status: 400, added: 0 });
    expect(await hook(`{"pad":"${"x".repeat(registryBodyLimit)}"}`)).toMatchObject({ status: 413, added: 0 });
    expect(await hook(push, HUB_TOKEN, "text/plain")).toMatchObject({ status: 415, added: 0 });
  });

  it("acknowledges pushes nobody follows and tags outside the OCI grammar without a job", async () => {
    const push = fixture<DockerHubPush>("dockerhub-push.json");
    const other = await hook({ ...push, repository: { ...push.repository, repo_name: "acme/api" } });
    expect(other).toEqual({ status: 200, body: { ignored: "no push of a followed image" }, added: 0 });
    const hostile = await hook({ ...push, push_data: { ...push.push_data, tag: "1.4.0;rm -rf /" } });
    expect(hostile).toMatchObject({ status: 200, added: 0 });
    expect(logs.text()).toContain('acme/web:\\"1.4.0;rm -rf /\\": the tag is not an OCI tag');
  });
});

describe("GitHub package events for GHCR (type: ghcr)", () => {
  const send = (
    event: string,
    body: unknown,
    options: { delivery?: string; secret?: string; signature?: string; contentType?: string } = {},
  ) => {
    const raw = typeof body === "string" ? body : JSON.stringify(body);
    const headers: Record<string, string> = {
      "content-type": options.contentType ?? "application/json",
      "x-github-event": event,
      "x-github-delivery": options.delivery ?? crypto.randomUUID(),
      "x-hub-signature-256": options.signature ?? signGithub(raw, options.secret ?? GHCR_SECRET),
    };
    return deliver(`${base}/webhooks/ghcr`, { headers, body: raw });
  };
  const published = () => fixture<PackageEvent>("ghcr-package-published.json");

  it("turns a signed `package` published event into one image job with tag and digest; the same delivery again into none", async () => {
    const delivery = crypto.randomUUID();
    const first = await send("package", published(), { delivery });
    expect(first).toMatchObject({ status: 202, added: 1 });
    const [id] = first.body.jobs as string[];
    expect(await takenJob(id)).toEqual({
      image: "web-gh",
      trigger: "notification",
      tag: "1.4.0",
      digest: DIGEST,
      eventId: `ghcr/${delivery}`,
    });
    const again = await send("package", published(), { delivery });
    expect(again).toEqual({ status: 200, body: { ignored: "duplicate delivery" }, added: 0 });
  });

  it("reads `registry_package` events (package_type CONTAINER) and GitHub's form-encoded option too", async () => {
    const registryPackage = await send("registry_package", fixture("ghcr-registry-package-published.json"));
    expect(registryPackage).toMatchObject({ status: 202, added: 1 });
    expect((await takenJob((registryPackage.body.jobs as string[])[0]))?.tag).toBe("1.4.0");
    const form = await send(
      "package",
      new URLSearchParams({ payload: JSON.stringify({ ...published(), action: "updated" }) }).toString(),
      { contentType: "application/x-www-form-urlencoded" },
    );
    expect(form).toMatchObject({ status: 202, added: 1 });
  });

  it("refuses a wrong or missing signature with 401 and a log line, queueing nothing", async () => {
    const wrong = await send("package", published(), { secret: "not-the-secret" });
    expect(wrong).toMatchObject({ status: 401, added: 0 });
    expect(wrong.body.message).toBe("X-Hub-Signature-256 does not match the body");
    expect(await send("package", published(), { signature: "" })).toMatchObject({ status: 401, added: 0 });
    expect(await send("package", published(), { signature: "sha1=abc" })).toMatchObject({ status: 401 });
    expect(logs.text()).toContain("X-Hub-Signature-256 does not match the body");
  });

  it("answers a malformed event 400 naming the field and an oversized one 413", async () => {
    const bare = await send("package", { action: "published", package: { name: "web" } });
    expect(bare).toMatchObject({ status: 400, added: 0 });
    expect(bare.body.message).toMatch(/^package payload: package\.package_type: /);
    expect(await send("package", "[1, 2")).toMatchObject({ status: 400, added: 0 });
    expect(await send("package", `{"pad":"${"x".repeat(registryBodyLimit)}"}`)).toMatchObject({
      status: 413,
      added: 0,
    });
  });

  it("answers ping 200 and acknowledges events, packages and versions it does not use without a job", async () => {
    expect(await send("ping", fixture("ghcr-ping.json"))).toEqual({
      status: 200,
      body: { ignored: "ping" },
      added: 0,
    });
    const other = published();
    other.package.name = "api";
    expect(await send("package", other)).toEqual({
      status: 200,
      body: { ignored: "no push of a followed image" },
      added: 0,
    });
    const npm = published();
    npm.package.package_type = "npm";
    expect(await send("package", npm)).toEqual({
      status: 200,
      body: { ignored: "a npm package, not a container image" },
      added: 0,
    });
    const untagged = published();
    untagged.package.package_version.container_metadata = { tag: { name: "", digest: DIGEST } };
    expect(await send("package", untagged)).toMatchObject({ status: 200, added: 0 });
    expect(await send("push", { ref: "refs/heads/main" })).toEqual({
      status: 200,
      body: { ignored: 'event "push" is not a package event' },
      added: 0,
    });
  });

  it("answers 404 for a GHCR registry without webhookSecret (polled only)", async () => {
    const raw = JSON.stringify(published());
    const quiet = await fetch(`${base}/webhooks/ghcr-quiet`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": "package",
        "x-hub-signature-256": signGithub(raw, GHCR_SECRET),
      },
      body: raw,
    });
    expect(quiet.status).toBe(404);
  });
});
