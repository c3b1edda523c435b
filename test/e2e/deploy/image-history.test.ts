// Issue 19, History: the deploy record of a merged image update names the image, its tag and
// digest and the commit it was built from, and /api/apps/<name> and the app page show it. On
// real parts: proposeImageUpdate writes its commit into a real git repository through the
// runtime's git service and the GitHub fake, the branch is merged as the forge merges it (a
// merge commit), the push webhook deploys it to the control plane, and the receiver serves
// what Redis holds. A plain commit records the rendered images only; hostile trailers are
// dropped or bounded, and nothing of them reaches the page unescaped.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { imageBranch, proposeImageUpdate } from "../../../src/images/propose.ts";
import { imagePushes } from "../../../src/images/pushes.ts";
import { readHistory } from "../../../src/sync/history.ts";
import { git } from "../../support/git.ts";
import { webImage } from "../../support/images.ts";
import { deployFirst, deployment, pushAndWait, setup, type Setup } from "./fixtures.ts";

const REGISTRY = "registry.example.com/acme/web";
const SIDECAR = `proxy.example.com/envoy:1.30@sha256:${"e".repeat(64)}`;
const digest = (c: string) => `sha256:${c.repeat(64)}`;
const source = { url: "https://github.com/acme/web", revision: "0123456789abcdef0123456789abcdef01234567" };

/** The app's Deployment: the marked web container and a pinned sidecar. */
function manifest(tag: string): string {
  return (
    deployment(`${REGISTRY}:${tag} # ferry:image web`) +
    `        - name: envoy\n          image: "${SIDECAR}"\n`
  );
}

async function newestRecord(s: Setup) {
  const [record] = await readHistory(s.harness.runtime.redis, s.harness.runtime.prefix, s.app);
  return record;
}

async function api(s: Setup): Promise<{ text: string; json: Record<string, unknown> }> {
  const response = await fetch(`${s.harness.url}/api/apps/${s.app}`);
  expect(response.status).toBe(200);
  const text = await response.text();
  return { text, json: JSON.parse(text) as Record<string, unknown> };
}

async function appPage(s: Setup): Promise<string> {
  const response = await fetch(`${s.harness.url}/ui/apps/${s.app}`);
  expect(response.status).toBe(200);
  // Whitespace between and inside tags carries no meaning; compare without it.
  return (await response.text()).replace(/>\s+</g, "><").replace(/\s+/g, " ").replace(/\s*>/g, ">");
}

/**
 * Deploys the app at 1.0.0, then commits `tag` with `message` (from a file: it may be larger than
 * an argument can be) and deploys that commit; returns it.
 */
async function deployTagWithMessage(s: Setup, tag: string, message: string[]): Promise<string> {
  const first = await deployFirst(s);
  await s.repo.write({ "apps/web/deployment.yaml": manifest(tag) });
  const dir = await mkdtemp(join(tmpdir(), "ferry-message-"));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, "message"), message.join("\n"));
  await git(s.repo.dir, "add", "-A");
  await git(s.repo.dir, "commit", "-q", "-F", join(dir, "message"));
  const sha = await s.repo.head();
  expect(await pushAndWait(s, first, sha)).toMatchObject([{ result: "succeeded", revision: sha }]);
  return sha;
}

const sidecar = {
  image: SIDECAR,
  repository: "proxy.example.com/envoy",
  tag: "1.30",
  digest: `sha256:${"e".repeat(64)}`,
};

describe("the deploy history of image updates", () => {
  it("a plain commit records the rendered images, and a digest only where the reference pins one", async () => {
    const s = await setup("github", { "apps/web/deployment.yaml": manifest("1.0.0") });
    await deployFirst(s);

    const record = await newestRecord(s);
    expect(record?.images).toEqual([
      { image: `${REGISTRY}:1.0.0`, repository: REGISTRY, tag: "1.0.0" },
      sidecar,
    ]);
    const { json } = await api(s);
    expect(json.images).toEqual(record?.images);
  });

  it("a merged image update: the record, /api/apps/<name> and the app page name the tag, digest and source commit", async () => {
    const s = await setup("github", { "apps/web/deployment.yaml": manifest("1.0.0") });
    const first = await deployFirst(s);
    const { runtime, config } = s.harness;

    const [proposed] = await proposeImageUpdate(
      {
        config: { apps: config.apps, images: [webImage({ registry: "harbor", apps: [s.app] })] },
        git: runtime.git,
        location: (app) => runtime.location(app),
        forgeOf: (app) => runtime.forgeOf(app),
        enqueuer: runtime.enqueuer,
        pushes: imagePushes(runtime.redis, runtime.prefix, runtime.seal),
        logger: runtime.logger,
      },
      { image: "web", tag: "1.2.0", digest: digest("a"), source },
    );
    expect(proposed).toMatchObject({ result: "proposed", branch: imageBranch(s.app) });
    const update = proposed?.result === "proposed" ? proposed.commit : "";
    // Merged as the forge merges a pull request: a merge commit on main.
    await git(s.repo.dir, "merge", "-q", "--no-ff", "-m", "Merge pull request #1", imageBranch(s.app));
    const merged = await s.repo.head();
    expect(await pushAndWait(s, first, merged)).toMatchObject([{ result: "succeeded", revision: merged }]);

    const web = {
      image: `${REGISTRY}:1.2.0`,
      repository: REGISTRY,
      tag: "1.2.0",
      digest: digest("a"),
      policy: "web",
      commit: update,
      source: source.url,
      revision: source.revision,
    };
    const record = await newestRecord(s);
    expect(record).toMatchObject({ revision: merged, result: "succeeded" });
    expect(record?.images).toEqual([web, sidecar]);

    const { json } = await api(s);
    expect(json).toMatchObject({ revision: merged, images: [web, sidecar] });
    expect((json.deployments as Array<{ images?: unknown }>)[0]?.images).toEqual([web, sidecar]);

    const html = await appPage(s);
    expect(html).toContain(`<code>${REGISTRY}:1.2.0</code>`);
    expect(html).toContain(`title="${digest("a")}">sha256:${"a".repeat(12)}</code>`);
    expect(html).toContain(`href="${source.url}/commit/${source.revision}"`);
    expect(html).toContain(`of ${source.url}`);

    // A later plain commit that keeps the image still says where it came from.
    await s.repo.write({
      "apps/web/extra.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: extra }\n",
    });
    const plain = await s.repo.commit("an unrelated ConfigMap");
    expect(await pushAndWait(s, merged, plain)).toMatchObject([{ result: "succeeded", revision: plain }]);
    expect((await newestRecord(s))?.images).toEqual([web, sidecar]);
  });

  it("keeps a valid image trailer but drops a hostile source and revision; escapes everything on the page", async () => {
    const s = await setup("github", { "apps/web/deployment.yaml": manifest("1.0.0") });
    const hostile = await deployTagWithMessage(s, "1.3.0", [
      "images: acme/web 1.3.0 <script>alert('subject')</script>",
      "",
      `Ferry-Image: web acme/web:1.3.0@${digest("c")}`,
      // A folded trailer: git unfolds it into one value with a space, which is refused.
      'Ferry-Image-Source: https://github.com/acme/web"><script>alert(1)</script>',
      "  <img src=x onerror=alert(2)>",
      `Ferry-Image-Revision: ${"f".repeat(200_000)}`,
      "",
    ]);

    const web = {
      image: `${REGISTRY}:1.3.0`,
      repository: REGISTRY,
      tag: "1.3.0",
      digest: digest("c"),
      policy: "web",
      commit: hostile,
    };
    expect((await newestRecord(s))?.images).toEqual([web, sidecar]);
    const { text } = await api(s);
    expect(text).not.toMatch(/script|onerror|ffffffffff/);
    const html = await appPage(s);
    expect(html).toContain(`title="${digest("c")}"`);
    expect(html).not.toMatch(/<script>alert|onerror|ffffffffff/);
  });

  it("reads no trailers beyond the bound: the images are still recorded, without a digest", async () => {
    const s = await setup("github", { "apps/web/deployment.yaml": manifest("1.0.0") });
    await deployTagWithMessage(s, "1.4.0", [
      "images: acme/web 1.4.0",
      "",
      `Ferry-Image: web acme/web:1.4.0@${digest("d")}`,
      `Ferry-Image-Source: https://github.com/acme/${"a".repeat(2 << 20)}`,
      "",
    ]);

    expect((await newestRecord(s))?.images).toEqual([
      { image: `${REGISTRY}:1.4.0`, repository: REGISTRY, tag: "1.4.0" },
      sidecar,
    ]);
    expect(
      s.harness.logs
        .lines()
        .filter((line) => line.msg === "image-update trailers not read" && line.app === s.app),
    ).not.toHaveLength(0);
  });
});
