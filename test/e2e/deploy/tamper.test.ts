// Redis write access must not be cluster write access (issue 13, item 1). After a deploy, an
// attacker rewrites every stored value that mentions the app's image to another image (encoded
// the same way), and replaces the sealed records, which mention nothing readable, with what
// Ferry stored before they were sealed. A `kubectl` edit then makes self-heal run, and a broken
// commit makes the sync roll back: both refuse the forged records, render from Git instead, and
// no ReplicaSet ever carries the planted image.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";
import * as yaml from "js-yaml";
import { describe, expect, inject, it } from "vitest";
import { syncKey } from "../../../src/keys.ts";
import type { KubeObject } from "../../../src/kube/types.ts";
import { processReconcileJob } from "../../../src/reconcile/index.ts";
import { toolPath } from "../../../src/render/binaries.ts";
import { readHistory } from "../../../src/sync/history.ts";
import { NEVER_READY_LABEL } from "../../support/cluster.ts";
import { dumpRedis, encode } from "../../support/redis-dump.ts";
import { reconcileDeps } from "../../../workers/reconcile.ts";
import {
  changedFiles,
  deployment,
  deploymentView,
  setup,
  waitAvailable,
  ZERO,
  type Setup,
} from "./fixtures.ts";

const run = promisify(execFile);

async function push(s: Setup, before: string, after: string): Promise<void> {
  const modified = await changedFiles(s.repo, before, after);
  const answer = await s.harness.pushGithub({ repo: s.project, branch: "main", before, after, modified });
  expect(answer.status).toBe(202);
  await s.harness.finished(answer.jobs);
  await s.harness.idle();
}

/**
 * The attack: every readable value that mentions `image` now says `planted`; the sealed records
 * of the app (healthy manifests, render cache), which mention nothing readable, are replaced by
 * the pre-seal encoding of the same objects with the planted image. Returns how many values were
 * changed.
 */
async function tamper(s: Setup, image: string, planted: string): Promise<number> {
  const redis = s.harness.runtime.redis;
  const forged: KubeObject = {
    ...(yaml.load(deployment(planted)) as KubeObject),
    metadata: { name: "web", namespace: s.namespace, labels: { "ferry.dev/app": s.app } },
  };
  let changed = 0;
  const write = async (value: Awaited<ReturnType<typeof dumpRedis>>[number], bytes: Buffer) => {
    if (value.type === "string") await redis.set(value.key, bytes, "KEEPTTL");
    else if (value.type === "hash") await redis.hset(value.key, value.field ?? "", bytes);
    else if (value.type === "list") await redis.lset(value.key, Number(value.field), bytes);
    else return;
    changed++;
  };
  const healthy = syncKey(s.harness.prefix, s.app, "healthy");
  // Every key of this installation (the image is unique to this test, so no other key names it).
  for (const value of await dumpRedis(redis, `${s.harness.prefix}:*`)) {
    const { decoded } = value;
    if (decoded?.text.includes(image)) {
      await write(value, encode(decoded.encoding, decoded.text.replaceAll(image, planted)));
    } else if (value.key === healthy && value.field === "manifests") {
      await write(value, encode("base64+gzip", JSON.stringify([forged])));
    } else if (value.key.startsWith(`${s.harness.prefix}:render:`)) {
      await write(value, encode("deflate-raw", JSON.stringify([forged])));
    }
  }
  return changed;
}

async function replicaSetImages(s: Setup): Promise<string[]> {
  const sets = await s.kube.list([{ apiVersion: "apps/v1", kind: "ReplicaSet" }], { namespace: s.namespace });
  return sets.map(
    (set) =>
      (set.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0]!
        .image,
  );
}

async function refused(s: Setup, record: string): Promise<number> {
  const metric = await s.harness.runtime.registry.getSingleMetric("ferry_state_refused_total")?.get();
  return metric?.values.find((value) => value.labels.record === record)?.value ?? 0;
}

describe("tampered Redis state", () => {
  it("never runs the planted image: self-heal and rollback render from Git instead", async () => {
    const tag = randomBytes(4).toString("hex");
    const image = `registry.example/tamper-${tag}:1.0`;
    const planted = `registry.example/planted-${tag}:6.6.6`;
    const s = await setup(
      "github",
      { "apps/web/deployment.yaml": deployment(image) },
      { healthTimeout: "20s" },
    );
    const good = await s.repo.head();
    await push(s, ZERO, good);
    await waitAvailable(s.kube, s.namespace, image);

    // Self-heal: someone edits the Deployment by hand; the reconcile run that the watch would
    // start finds the healthy record refused and deploys from Git.
    expect(await tamper(s, image, planted)).toBeGreaterThanOrEqual(2);
    await run(toolPath("kubectl"), [
      "--kubeconfig",
      inject("kubeconfig"),
      "-n",
      s.namespace,
      "set",
      "image",
      "deployment/web",
      "web=registry.example/by-hand:1",
    ]);
    const deps = reconcileDeps(s.harness.runtime);
    const outcome = await processReconcileJob({ app: s.app, trigger: "watch" }, deps);
    expect(outcome.status).toBe("Syncing");
    await s.harness.idle();
    await waitAvailable(s.kube, s.namespace, image);
    expect(await refused(s, "healthy")).toBeGreaterThanOrEqual(1);
    expect(await refused(s, "render-cache")).toBeGreaterThanOrEqual(1);

    // Rollback: the next commit never becomes healthy; the stored manifests of the good one
    // are forged again, so the rollback renders the good commit from Git.
    const healthyRefusals = await refused(s, "healthy");
    expect(await tamper(s, image, planted)).toBeGreaterThanOrEqual(2);
    await s.repo.write({
      "apps/web/deployment.yaml": deployment(`registry.example/tamper-${tag}:2.0`, {
        labels: { [NEVER_READY_LABEL]: "true" },
      }),
    });
    const broken = await s.repo.commit("never ready");
    await push(s, good, broken);
    const [latest] = await readHistory(s.harness.runtime.redis, s.harness.prefix, s.app);
    expect(latest).toMatchObject({ revision: broken, result: "rolled-back", rolledBackTo: good });
    expect(await deploymentView(s.kube, s.namespace)).toMatchObject({ image });
    expect(await refused(s, "healthy")).toBeGreaterThan(healthyRefusals);

    expect(await replicaSetImages(s)).not.toContain(planted);
    expect((await replicaSetImages(s)).length).toBeGreaterThanOrEqual(2);
    const refusals = s.harness.logs.lines().filter((line) => line.msg === refusalMessage);
    expect(refusals.map((line) => line.record)).toEqual(expect.arrayContaining(["healthy", "render-cache"]));
  });

  it("deploys a new commit even when the clear-text healthy mark is rewritten to name it", async () => {
    const tag = randomBytes(4).toString("hex");
    const s = await setup("github", {
      "apps/web/deployment.yaml": deployment(`registry.example/mark-${tag}:1.0`),
    });
    const good = await s.repo.head();
    await push(s, ZERO, good);
    await waitAvailable(s.kube, s.namespace, `registry.example/mark-${tag}:1.0`);

    // The attacker wants the next commit (say, a security fix) ignored: the healthy record's
    // clear-text revision now names it, as if it were already deployed and healthy.
    const next = `registry.example/mark-${tag}:2.0`;
    await s.repo.write({ "apps/web/deployment.yaml": deployment(next) });
    const fix = await s.repo.commit("the fix");
    await s.harness.runtime.redis.hset(syncKey(s.harness.prefix, s.app, "healthy"), "revision", fix);
    await push(s, good, fix);

    const [latest] = await readHistory(s.harness.runtime.redis, s.harness.prefix, s.app);
    expect(latest).toMatchObject({ revision: fix, result: "succeeded" });
    await waitAvailable(s.kube, s.namespace, next);
  });
});

const refusalMessage =
  "stored state refused: it failed its authenticity check (tampered, or sealed under another key); using Git instead";
