// Hostile and broken requests: each gets a clear JSON error, no job is stored, the server keeps
// answering, and the webhook secrets never reach the logs.
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { githubSecret, gitlabSecret, startReceiver, testConfig, type Receiver } from "./receiver.ts";
import { signGithub } from "../../support/sign.ts";

const config = testConfig([{ name: "web", forge: "github", repo: "acme/deploy", branch: "main" }]);
let receiver: Receiver;

beforeAll(async () => {
  receiver = await startReceiver(inject("redisUrl"), config);
});
afterAll(async () => {
  // Whatever was sent, nothing was enqueued, the server is alive and no secret was logged.
  expect(await receiver.jobs("sync")).toHaveLength(0);
  expect(await receiver.jobs("preview")).toHaveLength(0);
  expect((await fetch(`${receiver.url}/healthz`)).status).toBe(200);
  expect(receiver.logs.text()).not.toContain(githubSecret);
  expect(receiver.logs.text()).not.toContain(gitlabSecret);
  expect(receiver.logs.text()).toContain("request refused");
  await receiver.close();
});

async function signed(body: string | Buffer, headers: Record<string, string> = {}) {
  const response = await receiver.post("github", body, {
    "content-type": "application/json",
    "x-github-event": "push",
    "x-github-delivery": "d-1",
    "x-hub-signature-256": signGithub(body, githubSecret),
    ...headers,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Sends raw bytes, for requests fetch refuses to build, and returns the raw answer. */
function rawRequest(text: string): Promise<string> {
  const { port } = new URL(receiver.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), "127.0.0.1", () => socket.end(text));
    const chunks: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", reject);
    socket.on("close", () => resolve(Buffer.concat(chunks).toString("utf8")));
  });
}

describe("malformed bodies, correctly signed", () => {
  it.each([
    ["invalid JSON", "{not json", /not valid JSON/],
    ["JSON that is not an object", "[1,2,3]", /not a JSON object/],
    ["a JSON string", '"push"', /not a JSON object/],
    ["missing fields", JSON.stringify({ ref: "refs/heads/main" }), /push payload: before/],
    [
      "wrong types",
      JSON.stringify({ ref: 42, before: "a", after: "b", repository: { full_name: "acme/deploy" } }),
      /push payload: ref/,
    ],
    ["invalid UTF-8", Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), /UTF-8/],
  ])("%s → 400", async (_what, body, message) => {
    const answer = await signed(body);
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({
      error: "WEBHOOK_MALFORMED",
      message: expect.stringMatching(message) as unknown,
    });
  });

  it("a form body without payload → 400", async () => {
    const answer = await signed("other=1", { "content-type": "application/x-www-form-urlencoded" });
    expect(answer).toEqual({
      status: 400,
      body: { error: "WEBHOOK_MALFORMED", message: expect.any(String) as unknown },
    });
  });

  it("a 26 MB body → 413", async () => {
    const big = Buffer.alloc(26 * 1024 * 1024, 0x20);
    const response = await receiver.post("github", big, {
      "content-type": "application/json",
      "x-github-event": "push",
      "x-hub-signature-256": signGithub(big, githubSecret),
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({
      error: "WEBHOOK_TOO_LARGE",
      message: expect.any(String) as unknown,
    });
  });

  it.each(["text/plain", "application/xml", "multipart/form-data; boundary=x"])(
    "content type %s → 415",
    async (type) => {
      const answer = await signed("{}", { "content-type": type });
      expect(answer).toEqual({
        status: 415,
        body: { error: "WEBHOOK_UNSUPPORTED_MEDIA", message: expect.any(String) as unknown },
      });
    },
  );

  it("an unknown forge name → 404", async () => {
    const response = await receiver.post("bitbucket", "{}", { "content-type": "application/json" });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: "FORGE_UNKNOWN", message: expect.any(String) as unknown });
  });

  it("a missing event header → 400; an unknown event → 200 ignored", async () => {
    const body = "{}";
    const missing = await receiver.post("github", body, {
      "content-type": "application/json",
      "x-hub-signature-256": signGithub(body, githubSecret),
    });
    expect(missing.status).toBe(400);
    expect((await signed(body, { "x-github-event": "star" })).body).toEqual({
      ignored: 'event "star" is not used by Ferry',
    });
  });
});

describe("header tricks", () => {
  it("a repeated signature header → 400", async () => {
    const body = "{}";
    const headers = new Headers({ "content-type": "application/json", "x-github-event": "push" });
    headers.append("x-hub-signature-256", signGithub(body, githubSecret));
    headers.append("x-hub-signature-256", signGithub(body, githubSecret));
    const response = await fetch(`${receiver.url}/webhooks/github`, { method: "POST", body, headers });
    // fetch folds repeated headers into one comma-separated value: not a valid signature.
    expect(response.status).toBe(401);
  });

  it("an overlong delivery id → 400", async () => {
    const answer = await signed(JSON.stringify({ zen: "x" }), {
      "x-github-event": "ping",
      "x-github-delivery": "d".repeat(500),
    });
    expect(answer.status).toBe(400);
  });

  it("CR/LF injected into a header → 400 JSON from the HTTP parser", async () => {
    const answer = await rawRequest(
      "POST /webhooks/github HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
        "X-GitHub-Delivery: a\rSet-Cookie: evil=1\r\nContent-Length: 2\r\n\r\n{}",
    );
    expect(answer).toMatch(/^HTTP\/1\.1 400/);
    expect(answer).toContain('"error":"WEBHOOK_MALFORMED"');
    expect(answer).not.toMatch(/Set-Cookie/i);
  });

  it("headers over the server limit → 431 JSON", async () => {
    const answer = await rawRequest(
      `POST /webhooks/github HTTP/1.1\r\nHost: x\r\nX-Filler: ${"a".repeat(40_000)}\r\nContent-Length: 2\r\n\r\n{}`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 431/);
    expect(answer).toContain('"error":"WEBHOOK_MALFORMED"');
  });

  it("a wrong GitLab token never shows up in the answer or the logs", async () => {
    const response = await receiver.post("gitlab", "{}", {
      "content-type": "application/json",
      "x-gitlab-event": "Push Hook",
      "x-gitlab-token": `${gitlabSecret}-almost`,
    });
    expect(response.status).toBe(401);
    expect(await response.text()).not.toContain(gitlabSecret);
  });
});
