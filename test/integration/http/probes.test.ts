// Probes, metrics, unsigned forges and the error format of unknown routes.
import { afterEach, describe, expect, inject, it } from "vitest";
import { Registry } from "prom-client";
import { createApp } from "../../../src/http/app.ts";
import { createRedis } from "../../../src/queue/connection.ts";
import type { WebhookEnqueuer } from "../../../src/http/webhook-route.ts";
import { captureLogs } from "../../support/logs.ts";
import { startReceiver, testConfig, type Receiver } from "./receiver.ts";

let receiver: Receiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

describe("probes and metrics", () => {
  it("/healthz, /readyz and /metrics answer; unknown routes get a JSON 404", async () => {
    receiver = await startReceiver(inject("redisUrl"), testConfig([]));
    expect(await (await fetch(`${receiver.url}/healthz`)).json()).toEqual({ status: "ok" });
    expect(await (await fetch(`${receiver.url}/readyz`)).json()).toEqual({ status: "ready" });
    await receiver.postGithub("ping", JSON.stringify({ zen: "Keep it logically awesome." }));
    const metrics = await fetch(`${receiver.url}/metrics`);
    const text = await metrics.text();
    expect(text).toContain('ferry_webhooks_total{forge="github",event="ping",outcome="ignored"} 1');
    expect(text).toContain("ferry_webhook_duration_seconds_bucket");
    const missing = await fetch(`${receiver.url}/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: "NOT_FOUND", message: "no such route" });
  });
});

describe("unsigned forges", () => {
  it("createApp refuses a forge without a secret", () => {
    const config = testConfig([], [{ name: "github", type: "github", insecureAcceptUnsigned: true }]);
    config.forges[0]!.insecureAcceptUnsigned = false;
    const redis = createRedis(inject("redisUrl"), "receiver", { lazyConnect: true });
    expect(() =>
      createApp({
        config,
        // Never reached: the secret check comes first.
        enqueuer: {} as WebhookEnqueuer,
        redis,
        logger: captureLogs().logger,
        registry: new Registry(),
      }),
    ).toThrow(/webhookSecret/);
    redis.disconnect();
  });

  it("insecureAcceptUnsigned accepts unsigned deliveries and warns on each", async () => {
    const config = testConfig(
      [{ name: "web", forge: "github", repo: "acme/deploy", branch: "main" }],
      [{ name: "github", type: "github", insecureAcceptUnsigned: true }],
    );
    receiver = await startReceiver(inject("redisUrl"), config);
    const body = JSON.stringify({
      ref: "refs/heads/main",
      before: "a".repeat(40),
      after: "b".repeat(40),
      repository: { full_name: "acme/deploy" },
      commits: [],
    });
    const headers = { "content-type": "application/json", "x-github-event": "push" };
    expect((await receiver.post("github", body, { ...headers, "x-github-delivery": "one" })).status).toBe(
      202,
    );
    expect((await receiver.post("github", body, { ...headers, "x-github-delivery": "two" })).status).toBe(
      202,
    );
    const warnings = receiver.logs.lines().filter((line) => line.level === 40);
    expect(warnings).toHaveLength(2);
  });
});
