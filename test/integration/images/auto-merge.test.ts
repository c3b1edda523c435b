// The automatic merge's decision (src/images/auto-merge.ts) on the edges the end-to-end tests
// (test/e2e/images/auto-merge.test.ts) do not reach cheaply: a render-only preview, a request
// into another branch or from a fork, a push of a policy without autoMerge, no push on record,
// a forge that cannot be asked, the same refusal seen twice. Real Redis for Ferry's push record,
// the GitHub fake (failing the test on any unexpected call) behind the real GitHub client.
import { randomBytes } from "node:crypto";
import { Registry } from "prom-client";
import { afterEach, beforeEach, describe, expect, inject, it } from "vitest";
import { createForge, type Forge } from "../../../src/forges/index.ts";
import { autoMergeImageUpdate, type PreviewFindings } from "../../../src/images/auto-merge.ts";
import { imagePushes, type ImagePushes } from "../../../src/images/pushes.ts";
import { imagePushKey, keyPattern } from "../../../src/keys.ts";
import { createRedis, type RedisClient } from "../../../src/queue/connection.ts";
import { StateSeal } from "../../../src/state/seal.ts";
import type { PreviewJob } from "../../../src/queue/types.ts";
import { FakeGithub, serverError } from "../../support/fakes/github.ts";
import { webImage, webImageConfig } from "../../support/images.ts";
import { captureLogs } from "../../support/logs.ts";

const repo = "acme/deploy";
const head = "c".repeat(40);
const green: PreviewFindings = {
  state: "success",
  apps: [{ app: "web", mode: "live", counts: { added: 0, changed: 1, removed: 0, unchanged: 0, errors: 0 } }],
};

let redis: RedisClient;
let prefix: string;
let pushes: ImagePushes;
let fake: FakeGithub;
let forge: Forge;

beforeEach(async () => {
  redis = createRedis(inject("redisUrl"), "worker");
  prefix = `t-${randomBytes(6).toString("hex")}`;
  pushes = imagePushes(
    redis,
    prefix,
    new StateSeal([StateSeal.generateKey()], { registry: new Registry(), logger: captureLogs().logger }),
  );
  fake = await FakeGithub.start();
  forge = createForge(
    { name: "gh", type: "github", apiUrl: fake.url, token: fake.token, insecureAcceptUnsigned: false },
    { retryUnitMs: 5, writeIntervalMs: 0 },
  );
  // Ferry's own pull request of its own pushed commit, as propose leaves it.
  fake.seedPull(repo, { number: 8, headSha: head, headRef: "ferry/images/web", author: fake.login });
  await pushes.record("web", { commit: head, image: "web" });
});

afterEach(async () => {
  fake.assertNoUnexpected();
  await fake.close();
  const keys = await redis.keys(keyPattern(prefix));
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

const config = (images = [webImage({ autoMerge: true })]) =>
  webImageConfig(
    { name: "gh", type: "github", apiUrl: fake.url, token: fake.token, webhookSecret: "s" },
    [{ name: "harbor", type: "distribution", url: "https://registry.example.com" }],
    { extra: { images } },
  );

function job(fields: Partial<PreviewJob> = {}): PreviewJob {
  return {
    forge: "gh",
    repo,
    number: 8,
    headSha: head,
    headRef: "ferry/images/web",
    baseRef: "main",
    isFork: false,
    apps: ["web"],
    deliveryId: `image/${head}`,
    ...fields,
  };
}

async function decide(
  options: { findings?: PreviewFindings; preview?: PreviewJob; images?: ReturnType<typeof webImage>[] } = {},
) {
  const logs = captureLogs("info");
  const decided = await autoMergeImageUpdate(
    { config: config(options.images), pushes, logger: logs.logger },
    forge,
    options.preview ?? job(),
    options.findings ?? green,
  );
  return { decided, logs };
}

describe("the automatic merge's decision", () => {
  it("merges Ferry's own green update (the baseline the other cases differ from)", async () => {
    const { decided } = await decide();
    expect(decided).toMatchObject({ reason: "AutoMerged", result: "succeeded" });
    expect(fake.callsTo("mergePull").map((call) => call.body)).toEqual([{ sha: head }]);
  });

  it("asks the forge nothing for a branch that is no image branch", async () => {
    const { decided } = await decide({ preview: job({ headRef: "feature" }) });
    expect(decided).toBeUndefined();
    expect(fake.calls).toEqual([]);
  });

  it("does not merge a render-only preview: the API server never saw the change", async () => {
    const findings: PreviewFindings = {
      ...green,
      apps: green.apps.map((diff) => ({ ...diff, mode: "render" })),
    };
    const { decided } = await decide({ findings });
    expect(decided).toMatchObject({
      reason: "PreviewNotGreen",
      message: "web was not dry-run against its cluster",
    });
    expect(fake.calls).toEqual([]);
  });

  it("does not merge a preview that does not show the app", async () => {
    const { decided } = await decide({ findings: { state: "success", apps: [] } });
    expect(decided).toMatchObject({ reason: "PreviewNotGreen" });
    expect(fake.calls).toEqual([]);
  });

  it("does not merge a push of a policy that has autoMerge off, even when another policy of the app has it on", async () => {
    await pushes.record("web", { commit: head, image: "web-nightly" });
    const images = [
      webImage({ autoMerge: true }),
      webImage({ name: "web-nightly", policy: { pattern: "^main-(?<ts>[0-9]+)$", order: "numeric" } }),
    ];
    const { decided } = await decide({ images });
    expect(decided).toMatchObject({ reason: "AutoMergeOff" });
    expect(fake.callsTo("mergePull")).toEqual([]);
  });

  it("does not merge when Ferry has no push on record, nor on one written past the seal", async () => {
    // What anyone who can write to Redis could plant: the right shape, in the clear.
    await redis.set(imagePushKey(prefix, "web"), JSON.stringify({ commit: head, image: "web" }));
    expect((await decide()).decided).toMatchObject({ reason: "NotFerrysUpdate" });
    await redis.del(imagePushKey(prefix, "web"));
    expect((await decide()).decided).toMatchObject({ reason: "NotFerrysUpdate" });
    expect(fake.calls).toEqual([]);
  });

  it("does not merge Ferry's branch into another branch than the tracked one, nor from a fork", async () => {
    fake.seedPull(repo, {
      number: 8,
      headSha: head,
      headRef: "ferry/images/web",
      baseRef: "release",
      author: fake.login,
    });
    expect((await decide()).decided).toMatchObject({
      reason: "NotFerrysUpdate",
      message: "the request targets release, not main",
    });
    fake.seedPull(repo, {
      number: 8,
      headSha: head,
      headRef: "ferry/images/web",
      headRepo: "mallory/deploy",
      author: fake.login,
    });
    expect((await decide()).decided).toMatchObject({
      reason: "NotFerrysUpdate",
      message: "the request comes from a fork",
    });
    expect(fake.callsTo("mergePull")).toEqual([]);
  });

  it("turns a forge that cannot be asked into a logged MergeRefused, without throwing or commenting", async () => {
    fake.inject("getPull", 10, serverError());
    const { decided, logs } = await decide();
    expect(decided).toMatchObject({ reason: "MergeRefused", result: "failed" });
    expect(decided?.message).toContain("could not check the request");
    expect(logs.text()).toContain("image update not merged automatically");
    expect(fake.callsTo("mergePull")).toEqual([]);
    expect(fake.callsTo("createComment")).toEqual([]);
  });

  it("says why a refusal happened in one comment, however often it is refused", async () => {
    const pull = fake.pulls.get(`${repo}#8`);
    if (pull) pull.mergeable = false;
    for (let attempt = 0; attempt < 2; attempt++)
      expect((await decide()).decided).toMatchObject({ reason: "MergeRefused" });
    expect(fake.callsTo("mergePull").map((call) => call.status)).toEqual([405, 405]);
    const comments = fake.commentsBy(repo, 8, fake.login);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toContain("Pull Request is not mergeable");
  });
});
