import { afterEach, describe, expect, it } from "vitest";
import { createForge } from "../../../src/forges/index.ts";
import { isAppError } from "../../../src/errors.ts";
import { FakeGithub, secondaryRateLimit } from "../../support/fakes/github.ts";
import { FakeGitlab, rateLimited } from "../../support/fakes/gitlab.ts";

// The fakes themselves: they must catch what a wrong client does, or every later test that
// relies on them proves less than it claims.
describe("forge fakes", () => {
  const open: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((fake) => fake.close()));
  });

  it("GitHub fake records an unexpected request, answers 404, and fails the assertion", async () => {
    const fake = await FakeGithub.start();
    open.push(fake);
    const response = await fetch(`${fake.url}/repos/a/b/issues/1/reactions`, {
      headers: { authorization: `token ${fake.token}` },
    });
    expect(response.status).toBe(404);
    expect(((await response.json()) as { message: string }).message).toContain("no route");
    expect(() => fake.assertNoUnexpected()).toThrow(/GET \/repos\/a\/b\/issues\/1\/reactions/);
  });

  it("GitLab fake records an unexpected request and fails the assertion", async () => {
    const fake = await FakeGitlab.start();
    open.push(fake);
    const response = await fetch(`${fake.url}/api/v4/projects/a%2Fb/merge_requests/1/discussions`, {
      method: "POST",
      headers: { "private-token": fake.token },
    });
    expect(response.status).toBe(404);
    expect(() => fake.assertNoUnexpected()).toThrow(/discussions/);
  });

  it("both fakes accept Bearer tokens and reject missing ones with 401", async () => {
    const github = await FakeGithub.start();
    const gitlab = await FakeGitlab.start();
    open.push(github, gitlab);
    github.seedPull("a/b", { number: 1, headSha: "1".repeat(40) });
    gitlab.seedMergeRequest("a/b", { iid: 1, sha: "1".repeat(40) });
    const gh = (auth?: string) =>
      fetch(`${github.url}/repos/a/b/pulls/1`, { headers: auth ? { authorization: auth } : {} });
    const gl = (auth?: string) =>
      fetch(`${gitlab.url}/api/v4/projects/a%2Fb/merge_requests/1`, {
        headers: auth ? { authorization: auth } : {},
      });
    expect([(await gh(`Bearer ${github.token}`)).status, (await gh()).status]).toEqual([200, 401]);
    expect([(await gl(`Bearer ${gitlab.token}`)).status, (await gl()).status]).toEqual([200, 401]);
    github.assertNoUnexpected();
    gitlab.assertNoUnexpected();
  });

  it("GitHub: a Retry-After is waited out, and one beyond the limit is not waited for", async () => {
    const fake = await FakeGithub.start();
    open.push(fake);
    fake.seedPull("a/b", { number: 1, headSha: "1".repeat(40) });
    const config = {
      name: "gh",
      type: "github" as const,
      apiUrl: fake.url,
      token: fake.token,
      insecureAcceptUnsigned: false,
    };
    const forge = createForge(config, { retryUnitMs: 20, writeIntervalMs: 0, maxRetryAfterSeconds: 10 });
    fake.inject("createStatus", 1, secondaryRateLimit(3));
    await forge.setStatus("a/b", { sha: "1".repeat(40), context: "c", state: "success", description: "" });
    const [limited, passed] = fake.callsTo("createStatus");
    // 3 "seconds" of 20 ms: the second call cannot come earlier than 60 ms after the first.
    expect((passed?.at ?? 0) - (limited?.at ?? 0)).toBeGreaterThanOrEqual(55);

    fake.inject("createStatus", 1, secondaryRateLimit(3600));
    const error: unknown = await forge
      .setStatus("a/b", { sha: "1".repeat(40), context: "c", state: "success", description: "" })
      .catch((e: unknown) => e);
    expect(isAppError(error, "FORGE_API_FAILED") && error.retryable).toBe(true);
    expect(fake.callsTo("createStatus")).toHaveLength(3);
    fake.assertNoUnexpected();
  });

  it("GitLab: a Retry-After is waited out, and one beyond the limit is not waited for", async () => {
    const fake = await FakeGitlab.start();
    open.push(fake);
    const config = {
      name: "gl",
      type: "gitlab" as const,
      url: fake.url,
      token: fake.token,
      insecureAcceptUnsigned: false,
    };
    const forge = createForge(config, { retryUnitMs: 20, maxRetryAfterSeconds: 10 });
    fake.inject("createStatus", 1, rateLimited(3));
    await forge.setStatus("a/b", { sha: "1".repeat(40), context: "c", state: "success", description: "" });
    const [limited, passed] = fake.callsTo("createStatus");
    expect((passed?.at ?? 0) - (limited?.at ?? 0)).toBeGreaterThanOrEqual(55);

    fake.inject("createStatus", 1, rateLimited(3600));
    const error: unknown = await forge
      .setStatus("a/b", { sha: "1".repeat(40), context: "c", state: "success", description: "" })
      .catch((e: unknown) => e);
    expect(isAppError(error, "FORGE_API_FAILED") && error.retryable).toBe(true);
    expect(fake.callsTo("createStatus")).toHaveLength(3);
    fake.assertNoUnexpected();
  });
});
