// Acceptance: every push and pull_request example GitHub publishes (@octokit/webhooks-examples,
// api.github.com and the GHES variants), signed, is answered 202 or 200-ignored and leaves
// exactly the expected jobs; tampered deliveries leave none.
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, inject, it } from "vitest";
import { githubSecret, startReceiver, testConfig, type Receiver } from "./receiver.ts";
import { signGithub } from "../../support/sign.ts";

interface Definition {
  name: string;
  examples: Array<Record<string, unknown>>;
}

const require = createRequire(import.meta.url);
const root = dirname(require.resolve("@octokit/webhooks-examples/package.json"));
const variants = ["api.github.com", "ghes-31", "ghes-32", "ghes-33", "ghes-34", "ghes-35"];

function examplesOf(event: string): Array<{ label: string; payload: Record<string, unknown> }> {
  return variants.flatMap((variant) => {
    const definitions = require(join(root, variant, "index.json")) as Definition[];
    const examples = definitions.find((definition) => definition.name === event)?.examples ?? [];
    return examples.map((payload, i) => ({
      label: `${variant} #${i} ${JSON.stringify(payload.action ?? payload.ref)}`,
      payload,
    }));
  });
}

const config = testConfig([
  { name: "hello", forge: "github", repo: "codertocat/hello-world", branch: "master" },
]);

// The oracle, written from GitHub's documentation rather than from the router.
function expectedPush(payload: Record<string, unknown>): boolean {
  return payload.ref === "refs/heads/master" && payload.deleted !== true;
}
function expectedPreview(payload: Record<string, unknown>): boolean {
  const pr = payload.pull_request as { draft?: boolean };
  const previewing = ["opened", "synchronize", "reopened", "ready_for_review"];
  return previewing.includes(String(payload.action)) && pr.draft !== true;
}

let receiver: Receiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

describe("GitHub push examples", () => {
  const pushes = examplesOf("push");
  it("has examples to run", () => expect(pushes.length).toBeGreaterThanOrEqual(7));
  it.each(pushes)("$label", async ({ payload }) => {
    receiver = await startReceiver(inject("redisUrl"), config);
    const body = JSON.stringify(payload);
    const response = await receiver.postGithub("push", body);
    const answer = (await response.json()) as { jobs?: string[]; ignored?: string };
    const syncs = await receiver.jobs("sync");
    if (expectedPush(payload)) {
      expect(response.status).toBe(202);
      expect(answer.jobs).toHaveLength(1);
      expect(syncs.map((job) => job.data as unknown)).toEqual([
        expect.objectContaining({ app: "hello", reason: "webhook", sha: payload.after }),
      ]);
    } else {
      expect(response.status).toBe(200);
      expect(answer.ignored).toEqual(expect.any(String));
      expect(syncs).toHaveLength(0);
    }
    expect(await receiver.jobs("preview")).toHaveLength(0);
  });
});

describe("GitHub pull_request examples", () => {
  const pullRequests = examplesOf("pull_request");
  it("has examples to run", () => expect(pullRequests.length).toBeGreaterThanOrEqual(29));
  it.each(pullRequests)("$label", async ({ payload }) => {
    receiver = await startReceiver(inject("redisUrl"), config);
    const response = await receiver.postGithub("pull_request", JSON.stringify(payload));
    const answer = (await response.json()) as { jobs?: string[]; ignored?: string };
    const previews = await receiver.jobs("preview");
    const pr = payload.pull_request as { head: { sha: string }; base: { ref: string } };
    if (expectedPreview(payload)) {
      expect(response.status).toBe(202);
      expect(answer.jobs).toEqual([previews[0]?.id]);
      expect(previews.map((job) => job.data as unknown)).toEqual([
        expect.objectContaining({
          number: payload.number,
          headSha: pr.head.sha,
          baseRef: "master",
          apps: ["hello"],
        }),
      ]);
    } else {
      expect(response.status).toBe(200);
      expect(answer.ignored).toEqual(expect.any(String));
      expect(previews).toHaveLength(0);
    }
    expect(await receiver.jobs("sync")).toHaveLength(0);
  });
});

describe("tampered GitHub deliveries", () => {
  const samples = [...examplesOf("push"), ...examplesOf("pull_request")].filter(
    ({ payload }) => payload.ref === "refs/heads/master" || expectedPreview(payload),
  );
  it.each(samples)("$label: no job without a valid signature", async ({ payload }) => {
    receiver = await startReceiver(inject("redisUrl"), config);
    const event = "pull_request" in payload ? "pull_request" : "push";
    const body = JSON.stringify(payload);
    const attempts: Array<[string, string | undefined, string, number]> = [
      ["wrong secret", signGithub(body, "not-the-secret"), body, 401],
      ["missing signature", undefined, body, 401],
      ["other body", signGithub(`${body} `, githubSecret), body, 401],
      ["truncated body", signGithub(body, githubSecret), body.slice(0, body.length - 10), 401],
      ["truncated body, signed", signGithub(body.slice(0, -10), githubSecret), body.slice(0, -10), 400],
    ];
    for (const [what, signature, sent, status] of attempts) {
      const headers: Record<string, string> = { "content-type": "application/json", "x-github-event": event };
      if (signature) headers["x-hub-signature-256"] = signature;
      const response = await receiver.post("github", sent, headers);
      expect(response.status, what).toBe(status);
      expect(((await response.json()) as { error: string }).error, what).toMatch(/^WEBHOOK_/);
    }
    expect(await receiver.jobs("sync")).toHaveLength(0);
    expect(await receiver.jobs("preview")).toHaveLength(0);
  });
});
