// The render cache is keyed by content: overlays with a shared sibling base render from git
// checkouts, a change in the base misses, a change elsewhere hits.
import { randomUUID } from "node:crypto";
import { mkdir, mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { Registry } from "prom-client";
import { afterEach, beforeEach, describe, expect, inject, it } from "vitest";
import { CliGitService } from "../../../src/git/service.ts";
import type { RepoLocation } from "../../../src/git/types.ts";
import { keyPattern } from "../../../src/keys.ts";
import { RenderCache, renderApp } from "../../../src/render/index.ts";
import { deflateRawSync } from "node:zlib";
import { createRepo, type TestRepo } from "../../support/git.ts";
import { testSeal } from "../../support/state.ts";
import { app } from "./helpers.ts";

const cm = (name: string, value: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  v: "${value}"\n`;

describe("content-keyed render cache", () => {
  let repo: TestRepo;
  let cacheDir: string;
  let redis: Redis;
  let registry: Registry;
  let seal: ReturnType<typeof testSeal>;
  let prefix: string;
  let git: CliGitService;
  let location: RepoLocation;

  beforeEach(async () => {
    repo = await createRepo({
      "base/kustomization.yaml": "resources: [cm.yaml]\n",
      "base/cm.yaml": cm("settings", "1"),
      "overlays/prod/kustomization.yaml": "resources: [../../base]\nnamePrefix: prod-\n",
      "overlays/staging/kustomization.yaml": "resources: [../../base]\nnamePrefix: staging-\n",
      "charts/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
      "charts/web/templates/cm.yaml": cm("{{ .Release.Name }}", "{{ .Values.v }}"),
      "envs/prod/values.yaml": "v: one\n",
      "other/cm.yaml": cm("other", "1"),
      "README.md": "docs\n",
    });
    cacheDir = await mkdtemp(join(tmpdir(), "ferry-render-cache-"));
    redis = new Redis(inject("redisUrl"));
    registry = new Registry();
    seal = testSeal({ registry });
    prefix = `t-${randomUUID()}`;
    git = new CliGitService({ cacheDir, attempts: 1 });
    location = { repo: "acme/deploy", url: repo.dir };
  });
  afterEach(async () => {
    const keys = await redis.keys(keyPattern(prefix));
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    await repo.cleanup();
    await rm(cacheDir, { recursive: true, force: true });
  });

  const renderAt = async (sha: string, appConfig: ReturnType<typeof app>, cache: RenderCache) => {
    const checkout = await git.checkout(location, sha);
    try {
      return await renderApp({
        checkoutDir: checkout.dir,
        app: appConfig,
        git: { service: git, location, sha },
        cache,
      });
    } finally {
      await checkout.cleanup();
    }
  };
  const counter = async (name: string) =>
    (await registry.getSingleMetric(name)?.get())?.values[0]?.value ?? 0;

  it("hits for an unrelated commit and misses when the shared base changes", async () => {
    const cache = new RenderCache({ redis, registry, seal, prefix });
    const prod = app("overlays/prod");
    const first = await renderAt(await repo.head(), prod, cache);
    expect(first).toMatchObject({ sourceType: "kustomize", cacheHit: false });
    expect(first.objects.map((object) => object.metadata.name)).toEqual(["prod-settings"]);

    await repo.write({
      "README.md": "more docs\n",
      "other/cm.yaml": cm("other", "2"),
      "overlays/staging/extra.txt": "x\n",
    });
    const unrelated = await renderAt(await repo.commit("unrelated"), prod, cache);
    expect(unrelated.cacheHit).toBe(true);
    expect(unrelated.objects).toEqual(first.objects);

    await repo.write({ "base/cm.yaml": cm("settings", "2") });
    const changed = await renderAt(await repo.commit("base"), prod, cache);
    expect(changed.cacheHit).toBe(false);
    expect(changed.objects[0]?.data).toEqual({ v: "2" });

    expect(await counter("ferry_render_cache_hits_total")).toBe(1);
    expect(await counter("ferry_render_cache_misses_total")).toBe(2);
  });

  it("misses when the target of a symlinked manifest of a plain app changes", async () => {
    await mkdir(join(repo.dir, "apps/linked"), { recursive: true });
    await symlink("../../other/cm.yaml", join(repo.dir, "apps/linked/cm.yaml"));
    await repo.write({ "apps/linked/own.yaml": cm("own", "1") });
    const cache = new RenderCache({ redis, registry, seal, prefix });
    const linked = app("apps/linked");
    const first = await renderAt(await repo.commit("link"), linked, cache);
    expect(first).toMatchObject({ sourceType: "plain", cacheHit: false });
    expect((await renderAt(await repo.head(), linked, cache)).cacheHit).toBe(true);

    await repo.write({ "other/cm.yaml": cm("other", "2") });
    const changed = await renderAt(await repo.commit("target"), linked, cache);
    expect(changed.cacheHit).toBe(false);
    expect(changed.objects.find((object) => object.metadata.name === "other")?.data).toEqual({ v: "2" });
  });

  it("keys helm renders on the chart, the value files and the parameters", async () => {
    const cache = new RenderCache({ redis, registry, seal, prefix });
    const web = app("charts/web", { valueFiles: ["../../envs/prod/values.yaml"] });
    const first = await renderAt(await repo.head(), web, cache);
    expect(first.objects[0]?.data).toEqual({ v: "one" });
    expect((await renderAt(await repo.head(), web, cache)).cacheHit).toBe(true);
    expect(
      (
        await renderAt(
          await repo.head(),
          { ...web, destination: { ...web.destination, namespace: "other" } },
          cache,
        )
      ).cacheHit,
    ).toBe(false);

    await repo.write({ "envs/prod/values.yaml": "v: two\n" });
    const changed = await renderAt(await repo.commit("values"), web, cache);
    expect(changed).toMatchObject({ cacheHit: false, sourceType: "helm" });
    expect(changed.objects[0]?.data).toEqual({ v: "two" });
  });

  it("does not store results above the size bound", async () => {
    const cache = new RenderCache({ redis, registry, seal, prefix, maxBytes: 10 });
    const other = app("other");
    expect((await renderAt(await repo.head(), other, cache)).cacheHit).toBe(false);
    expect((await renderAt(await repo.head(), other, cache)).cacheHit).toBe(false);
    expect(await counter("ferry_render_cache_skipped_total")).toBe(2);
    expect(await redis.keys(keyPattern(prefix))).toEqual([]);
  });

  it("refuses an entry it did not seal and renders from Git instead", async () => {
    const cache = new RenderCache({ redis, registry, seal, prefix });
    const prod = app("overlays/prod");
    const head = await repo.head();
    const first = await renderAt(head, prod, cache);
    const [key] = await redis.keys(keyPattern(prefix));
    expect(key).toBeDefined();
    // What an entry looked like before sealing (raw deflate of the JSON): a planted object.
    const planted = [{ ...first.objects[0], data: { v: "planted" } }];
    await redis.set(key!, deflateRawSync(Buffer.from(JSON.stringify(planted))));
    const again = await renderAt(head, prod, cache);
    expect(again).toMatchObject({ cacheHit: false, objects: first.objects });
    expect(await counter("ferry_state_refused_total")).toBe(1);
    // The render rewrote the entry, sealed: the next render is a hit again.
    expect((await renderAt(head, prod, cache)).cacheHit).toBe(true);
  });
});
