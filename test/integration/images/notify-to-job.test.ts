// Registry notifications in, image decisions out (issue 19), on real parts: Debian's
// docker-registry on loopback notifying Ferry's real receiver (POST /webhooks/<registry>), a real
// Redis with the image queue and the delivery ledger, and a BullMQ worker running the image job
// against the same registry's API. What the decision hands on is recorded here: writing the
// branch and merge request is src/images/propose.ts's, tested on its own.
import type { Server } from "node:http";
import { Worker } from "bullmq";
import { Registry as Metrics } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FerryConfig } from "../../../src/config/schema.ts";
import { createApp } from "../../../src/http/app.ts";
import { closeServer, listen } from "../../../src/http/server.ts";
import { DISTRIBUTION_EVENTS_TYPE } from "../../../src/images/notifications/distribution.ts";
import { RegistryClient } from "../../../src/images/registry.ts";
import { imageSchedulerId, syncImageSchedulers } from "../../../src/images/schedule.ts";
import { processImageJob, type ImageDecision, type ImageProposal } from "../../../src/images/update.ts";
import { queuePrefix } from "../../../src/keys.ts";
import { createEnqueuer, type Enqueuer } from "../../../src/queue/enqueue.ts";
import { imageJobSchema, queueNames } from "../../../src/queue/types.ts";
import { duplicateRedis, type RedisClient } from "../../../src/queue/connection.ts";
import { imageQueueIdle, webImageConfig } from "../../support/images.ts";
import { captureLogs } from "../../support/logs.ts";
import { freePort } from "../../support/ports.ts";
import { waitFor } from "../../support/process.ts";
import { closeTestRedis, openTestRedis } from "../../support/redis-prefix.ts";
import { startRegistry, type TestRegistry } from "../../support/registry.ts";

const TOKEN = "registry-notify-token-for-tests";
const logs = captureLogs();
let redis: RedisClient;
let prefix: string;
let config: FerryConfig;
let registry: TestRegistry;
let enqueuer: Enqueuer;
let server: Server;
let base: string;
let worker: Worker;
const proposals: ImageProposal[] = [];
const decisions: ImageDecision[] = [];

beforeAll(async () => {
  ({ redis, prefix } = openTestRedis());
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  registry = await startRegistry({ url: `${base}/webhooks/harbor`, token: TOKEN });
  config = webImageConfig(
    { name: "github", type: "github", webhookSecret: "forge-secret-for-tests" },
    [
      { name: "harbor", type: "distribution", url: registry.url, webhookSecret: TOKEN },
      // Notifications off: its images are found by polling only.
      { name: "quiet", type: "distribution", url: registry.url },
    ],
    { extra: { server: { host: "127.0.0.1", port }, redis: { prefix } } },
  );
  enqueuer = createEnqueuer(redis, { prefix });
  server = await listen(
    createApp({ config, enqueuer, redis, logger: logs.logger, registry: new Metrics() }),
    port,
    "127.0.0.1",
  );
  const clients = new Map<string, RegistryClient>();
  worker = new Worker(
    queueNames.image,
    async (job) => {
      const decision = await processImageJob(imageJobSchema.parse(job.data), {
        config,
        registry: (reg) =>
          clients.get(reg.name) ?? clients.set(reg.name, new RegistryClient(reg)).get(reg.name)!,
        propose: (proposal) => {
          proposals.push(proposal);
          return Promise.resolve([]);
        },
        logger: logs.logger,
      });
      decisions.push(decision);
      return decision;
    },
    { connection: duplicateRedis(redis), prefix: queuePrefix(prefix) },
  );
}, 60_000);

afterAll(async () => {
  await worker?.close();
  if (server) await closeServer(server);
  await enqueuer?.close();
  await registry?.stop();
  await closeTestRedis(redis, prefix);
});

const notify = (body: unknown, authorization = `Bearer ${TOKEN}`, registryName = "harbor") =>
  fetch(`${base}/webhooks/${registryName}`, {
    method: "POST",
    headers: { authorization, "content-type": DISTRIBUTION_EVENTS_TYPE },
    body: JSON.stringify(body),
  });

const pushEvent = (id: string, tag: string, digest: string) => ({
  id,
  timestamp: new Date().toISOString(),
  action: "push",
  target: {
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    repository: "acme/web",
    digest,
    tag,
  },
});

describe("registry notifications to image decisions", () => {
  it("proposes a pushed tag inside the policy, with its digest and source, from the registry's own notification", async () => {
    const digest = await registry.push("acme/web", "1.2.0", {
      "org.opencontainers.image.source": "https://github.com/acme/web",
      "org.opencontainers.image.revision": "0123456789abcdef0123456789abcdef01234567",
    });
    await waitFor("the proposal of 1.2.0", () => proposals.some((p) => p.tag === "1.2.0"), {
      timeoutMs: 30_000,
    });
    expect(proposals.find((p) => p.tag === "1.2.0")).toEqual({
      image: "web",
      tag: "1.2.0",
      digest,
      source: { url: "https://github.com/acme/web", revision: "0123456789abcdef0123456789abcdef01234567" },
    });
  });

  it("ignores a tag outside the policy, and never proposes an older tag than the newest", async () => {
    await imageQueueIdle(enqueuer.queues.image);
    const before = proposals.length;
    await registry.push("acme/web", "2.0.0");
    await waitFor(
      "the decision on 2.0.0",
      () => decisions.some((d) => d.result === "ignored" && d.reason.includes("acme/web:2.0.0 is outside")),
      { timeoutMs: 30_000 },
    );
    expect(proposals.length).toBe(before);
    // An older tag's notification: the newest inside the policy is still 1.2.0.
    await registry.push("acme/web", "1.1.0");
    await waitFor("a decision after 1.1.0", () => proposals.length > before, { timeoutMs: 30_000 });
    expect(proposals.slice(before).map((p) => p.tag)).toEqual(["1.2.0"]);
  });

  it("refuses a wrong token with 401 and queues nothing; counts a redelivered event once", async () => {
    const counts = () => enqueuer.queues.image.getJobCounts();
    const before = await counts();
    const digest = `sha256:${"a".repeat(64)}`;
    const wrong = await notify({ events: [pushEvent("evt-1", "1.9.0", digest)] }, "Bearer not-the-token");
    expect(wrong.status).toBe(401);
    const missing = await notify({ events: [pushEvent("evt-1", "1.9.0", digest)] }, "");
    expect(missing.status).toBe(401);
    expect(await counts()).toEqual(before);
    expect(logs.text()).toContain("the bearer token does not match");

    const first = await notify({ events: [pushEvent("evt-dup", "1.9.0", digest)] });
    expect(first.status).toBe(202);
    const again = await notify({ events: [pushEvent("evt-dup", "1.9.0", digest)] });
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ ignored: "duplicate delivery" });
  });

  it("answers bad input clearly: not an envelope 400, wrong type 415, notifications off 404, unknown 404", async () => {
    expect((await notify({ events: "no" })).status).toBe(400);
    const text = await fetch(`${base}/webhooks/harbor`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "text/plain" },
      body: "hello",
    });
    expect(text.status).toBe(415);
    const quiet = await notify({ events: [] }, `Bearer ${TOKEN}`, "quiet");
    expect(quiet.status).toBe(404);
    expect(await quiet.text()).toContain("notifications are off");
    const nobody = await fetch(`${base}/webhooks/nobody`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(nobody.status).toBe(404);
    // A tag with shell and YAML metacharacters never becomes a job.
    const hostile = await notify({
      events: [pushEvent("evt-h", "1.2.3;rm -rf /", `sha256:${"b".repeat(64)}`)],
    });
    expect(hostile.status).toBe(200);
    expect(logs.text()).toContain("the tag is not an OCI tag");
  });

  it("ignores a multi-platform index in the notification, and refuses it when polling finds it newest", async () => {
    await registry.pushIndex("acme/web", "1.5.0");
    await waitFor(
      "the index's notification to be ignored",
      () => logs.text().includes("push, not one image"),
      { timeoutMs: 30_000 },
    );
    await imageQueueIdle(enqueuer.queues.image);
    const before = proposals.length;
    await enqueuer.enqueueImage({ image: "web", trigger: "poll" });
    await waitFor(
      "the poll's decision",
      () => decisions.some((d) => d.result === "ignored" && d.reason.includes("multi-platform")),
      { timeoutMs: 30_000 },
    );
    expect(proposals.length).toBe(before);
  });

  it("polls every image on its registry's interval through one scheduler per image", async () => {
    const first = await syncImageSchedulers(enqueuer.queues.image, config);
    expect(first.upserted).toEqual([imageSchedulerId("web")]);
    const [scheduler] = await enqueuer.queues.image.getJobSchedulers();
    expect(scheduler?.every).toBe(300_000);
    expect((await syncImageSchedulers(enqueuer.queues.image, { ...config, images: [] })).removed).toEqual([
      imageSchedulerId("web"),
    ]);
  });
});
