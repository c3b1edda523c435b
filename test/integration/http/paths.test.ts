// Plain webhook URLs take the lean listener (src/http/listener.ts), unusual spellings of the
// same route go through express: both must answer, count and log alike.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { signGithub } from "../../support/sign.ts";
import { githubSecret, startReceiver, testConfig, type Receiver } from "./receiver.ts";

const config = testConfig([{ name: "web", forge: "github", repo: "acme/deploy", branch: "main" }]);

function push(after: string): string {
  return JSON.stringify({
    ref: "refs/heads/main",
    before: "1".repeat(40),
    after,
    created: false,
    deleted: false,
    forced: false,
    repository: { full_name: "acme/deploy" },
    pusher: { name: "dev" },
    commits: [{ added: [], modified: ["README.md"], removed: [] }],
  });
}

let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver(inject("redisUrl"), config);
});
afterAll(async () => {
  await receiver.close();
});

async function send(path: string, body: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${receiver.url}${path}`, {
    method: "POST",
    body,
    headers: {
      "content-type": "application/json",
      "x-github-event": "push",
      "x-github-delivery": randomUUID(),
      "x-hub-signature-256": signGithub(body, githubSecret),
      ...headers,
    },
  });
  return { status: response.status, type: response.headers.get("content-type"), body: await response.json() };
}

// The first is the lean path; express serves the others.
const paths = ["/webhooks/github", "/webhooks/github/", "/webhooks/github?source=test", "/webhooks/%67ithub"];

describe("lean and express webhook paths", () => {
  it.each(paths)("%s accepts a signed push with the same answer", async (path) => {
    const after = randomUUID().replace(/-/g, "").padEnd(40, "0");
    const answer = await send(path, push(after));
    expect(answer).toEqual({
      status: 202,
      type: "application/json; charset=utf-8",
      body: { jobs: [expect.stringMatching(/^sync\/web\//) as unknown] },
    });
  });

  it.each(paths)(
    "%s refuses a wrong signature, a wrong content type and an unknown forge alike",
    async (path) => {
      const bad = await send(path, push("2".repeat(40)), {
        "x-hub-signature-256": `sha256=${"0".repeat(64)}`,
      });
      expect(bad).toEqual({
        status: 401,
        type: "application/json; charset=utf-8",
        body: { error: "WEBHOOK_UNAUTHORIZED", message: "X-Hub-Signature-256 does not match the body" },
      });
      const media = await send(path, "x=1", { "content-type": "text/plain" });
      expect(media.status).toBe(415);
      expect(media.body).toMatchObject({ error: "WEBHOOK_UNSUPPORTED_MEDIA" });
      const unknown = await send(path.replace(/github|%67ithub/, "nope"), push("3".repeat(40)));
      expect(unknown.status).toBe(404);
      expect(unknown.body).toMatchObject({ error: "FORGE_UNKNOWN" });
    },
  );

  it("both paths count their deliveries in ferry_webhooks_total", async () => {
    const metrics = await receiver.registry.getSingleMetricAsString("ferry_webhooks_total");
    const count = (labels: string) =>
      Number(new RegExp(`ferry_webhooks_total\\{${labels}\\} (\\d+)`).exec(metrics)?.[1]);
    // Refusals before verification carry no event label (and no forge before the forge is known).
    expect(count('forge="github",event="push",outcome="accepted"')).toBe(paths.length);
    expect(count('forge="github",event="unverified",outcome="unauthorized"')).toBe(paths.length);
    expect(count('forge="unknown",event="unverified",outcome="unsupported_media"')).toBe(paths.length);
    expect(count('forge="unknown",event="unverified",outcome="unknown_forge"')).toBe(paths.length);
    expect(receiver.logs.text()).toContain("request refused");
  });
});
