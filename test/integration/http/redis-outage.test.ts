// Redis stopped mid-test: the receiver answers 503 (the forge will redeliver) and /readyz
// fails, promptly; once Redis is back on the same port, deliveries are accepted again.
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { waitFor } from "../../support/process.ts";
import { startRedis, type TestRedis } from "../../support/redis.ts";
import { startReceiver, testConfig, type Receiver } from "./receiver.ts";

const config = testConfig([{ name: "web", forge: "github", repo: "acme/deploy", branch: "main" }]);
const body = () =>
  JSON.stringify({
    ref: "refs/heads/main",
    before: "a".repeat(40),
    after: randomUUID().replace(/-/g, ""),
    repository: { full_name: "acme/deploy" },
    commits: [],
  });

let redis: TestRedis | undefined;
let receiver: Receiver | undefined;
afterEach(async () => {
  await receiver?.close();
  await redis?.stop();
  receiver = undefined;
  redis = undefined;
});

describe("Redis outage", () => {
  it("503 and /readyz failing while Redis is down, accepted again after it returns", async () => {
    redis = await startRedis();
    receiver = await startReceiver(redis.url, config);
    expect((await receiver.postGithub("push", body())).status).toBe(202);
    expect((await fetch(`${receiver.url}/readyz`)).status).toBe(200);

    await redis.stop();
    const down = await receiver.postGithub("push", body());
    expect(down.status).toBe(503);
    // The forge (or whoever redelivers) is told when to come back.
    expect(down.headers.get("retry-after")).toBe("5");
    expect(await down.json()).toEqual({ error: "QUEUE_UNAVAILABLE", message: expect.any(String) as unknown });
    const ready = await fetch(`${receiver.url}/readyz`);
    expect(ready.status).toBe(503);
    expect((await fetch(`${receiver.url}/healthz`)).status).toBe(200);

    redis = await startRedis(redis.port);
    const client = receiver;
    await waitFor("/readyz to pass again", async () => (await fetch(`${client.url}/readyz`)).status === 200);
    const back = await receiver.postGithub("push", body());
    expect(back.status).toBe(202);
    expect(await receiver.jobs("sync")).toHaveLength(1);
    const metrics = await receiver.registry.metrics();
    expect(metrics).toMatch(/ferry_webhooks_total\{forge="github",event="push",outcome="unavailable"\} 1/);
    expect(metrics).toMatch(/ferry_webhooks_total\{forge="github",event="push",outcome="accepted"\} 2/);
  });
});
