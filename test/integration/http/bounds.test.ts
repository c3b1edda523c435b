// The receiver's bounds: bodies in flight across requests (503 + Retry-After once they are
// used up, on the lean and the express path alike), GitLab's token checked before the body is
// read or counted, a declared oversize body refused before it is read, and connections per
// receiver capped by server.maxConnections.
import { randomUUID } from "node:crypto";
import { connect, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createApp } from "../../../src/http/app.ts";
import { closeServer, listen } from "../../../src/http/server.ts";
import { createRedis } from "../../../src/queue/connection.ts";
import { createEnqueuer } from "../../../src/queue/enqueue.ts";
import { Registry } from "prom-client";
import { captureLogs } from "../../support/logs.ts";
import { waitFor } from "../../support/process.ts";
import { signGithub } from "../../support/sign.ts";
import { githubSecret, startReceiver, testConfig, type Receiver } from "./receiver.ts";

const MiB = 1024 * 1024;
const config = testConfig([{ name: "web", forge: "github", repo: "acme/deploy", branch: "main" }]);
// Room for exactly one whole body of the 25 MiB per-request limit.
config.server.maxBodyBytesInFlight = 25 * MiB;

let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver(inject("redisUrl"), config);
});
afterAll(async () => {
  await receiver.close();
});

async function bytesInFlight(): Promise<number> {
  const text = await receiver.registry.getSingleMetricAsString("ferry_webhook_body_bytes_in_flight");
  return Number(/ferry_webhook_body_bytes_in_flight (\d+)/.exec(text)?.[1]);
}

/** A GitHub delivery that declares `length` bytes and sends only its first one. */
async function holdUpload(url: string, length: number): Promise<Socket> {
  const { port } = new URL(url);
  const socket = connect(Number(port), "127.0.0.1");
  socket.on("error", () => undefined);
  await new Promise((resolve) => socket.once("connect", resolve));
  socket.write(
    `POST /webhooks/github HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
      `X-GitHub-Event: push\r\nX-GitHub-Delivery: ${randomUUID()}\r\n` +
      // The right shape, so it passes the header check and must be read to be verified.
      `X-Hub-Signature-256: sha256=${"0".repeat(64)}\r\nContent-Length: ${length}\r\n\r\n{`,
  );
  return socket;
}

const signedPush = () =>
  JSON.stringify({
    ref: "refs/heads/main",
    before: "1".repeat(40),
    after: randomUUID().replace(/-/g, "").padEnd(40, "0"),
    repository: { full_name: "acme/deploy" },
    commits: [],
  });

async function answer(response: Response) {
  return {
    status: response.status,
    retryAfter: response.headers.get("retry-after"),
    body: await response.json(),
  };
}

// The first is the lean path; express serves the other.
const paths = ["/webhooks/github", "/webhooks/github/"];

describe("receiver bounds", () => {
  it("refuses bodies beyond the bytes in flight with 503 and Retry-After on both paths, then recovers", async () => {
    const held = await holdUpload(receiver.url, 25 * MiB);
    await waitFor(
      "the held upload to reserve its declared length",
      async () => (await bytesInFlight()) === 25 * MiB,
    );

    for (const path of paths) {
      const body = signedPush();
      const busy = await answer(
        await fetch(`${receiver.url}${path}`, {
          method: "POST",
          body,
          headers: {
            "content-type": "application/json",
            "x-github-event": "push",
            "x-github-delivery": randomUUID(),
            "x-hub-signature-256": signGithub(body, githubSecret),
          },
        }),
      );
      expect(busy).toEqual({
        status: 503,
        retryAfter: "5",
        body: { error: "RECEIVER_BUSY", message: "too many webhook bodies in flight; retry later" },
      });
    }

    // GitLab's token is a header: a wrong one is refused before the body is read or counted,
    // a right one then meets the full budget.
    const wrongToken = await receiver.postGitlab("Push Hook", "{}", { "x-gitlab-token": "wrong" });
    expect(wrongToken.status).toBe(401);
    const rightToken = await receiver.postGitlab("Push Hook", "{}");
    expect((await answer(rightToken)).status).toBe(503);

    // A body declared larger than the per-request limit is refused without reading it.
    const oversize = await receiver.post("github", Buffer.alloc(25 * MiB + 1), {
      "content-type": "application/json",
      "x-github-event": "push",
      "x-hub-signature-256": `sha256=${"0".repeat(64)}`,
    });
    expect(oversize.status).toBe(413);
    // An unsigned GitHub upload is refused on its headers, before the (full) budget is asked.
    const unsigned = await receiver.post("github", "{}", {
      "content-type": "application/json",
      "x-github-event": "push",
    });
    expect(await answer(unsigned)).toMatchObject({ status: 401, body: { error: "WEBHOOK_UNAUTHORIZED" } });

    held.destroy();
    await waitFor("the held upload's bytes to be given back", async () => (await bytesInFlight()) === 0);
    const accepted = await receiver.postGithub("push", signedPush());
    expect(accepted.status).toBe(202);

    const metrics = await receiver.registry.getSingleMetricAsString("ferry_webhooks_total");
    expect(metrics).toMatch(/forge="github",event="unverified",outcome="busy"\} 2/);
  });
});

describe("connections per receiver", () => {
  it("closes connections beyond server.maxConnections and serves again once one is gone", async () => {
    const redis = createRedis(inject("redisUrl"), "receiver");
    const enqueuer = createEnqueuer(redis, { prefix: `t-${randomUUID()}` });
    const logs = captureLogs();
    const app = createApp({ config, enqueuer, redis, logger: logs.logger, registry: new Registry() });
    const server = await listen(app, 0, "127.0.0.1", { maxConnections: 2 });
    const { port } = server.address() as AddressInfo;
    const open = async () => {
      const socket = connect(port, "127.0.0.1");
      socket.on("error", () => undefined);
      await new Promise((resolve) => socket.once("connect", resolve));
      return socket;
    };
    const healthz = (socket: Socket) =>
      new Promise<string>((resolve) => {
        let text = "";
        socket.on("data", (chunk: Buffer) => {
          text += chunk.toString();
          if (text.includes('"ok"')) resolve(text);
        });
        socket.once("close", () => resolve(text));
        socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
      });
    try {
      const first = await open();
      const second = await open();
      expect(await healthz(first)).toContain("200 OK");
      expect(await healthz(second)).toContain("200 OK");
      const third = await open();
      // The server drops it: no answer, only the close.
      expect(await healthz(third)).toBe("");
      first.destroy();
      await waitFor("the server to count the closed connection", async () => {
        const count = await new Promise<number>((resolve) => server.getConnections((_e, n) => resolve(n)));
        return count < 2;
      });
      const fourth = await open();
      expect(await healthz(fourth)).toContain("200 OK");
      second.destroy();
      fourth.destroy();
    } finally {
      server.closeAllConnections();
      await closeServer(server);
      await enqueuer.close();
      redis.disconnect();
    }
  });
});
