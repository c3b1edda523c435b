// What a deploy record says about images (issue 19, History): the trailers an image-update
// commit carries, read back with every value checked; the images of rendered workloads; and how
// the two meet — a digest and source only where a trailer describes the very reference that runs.
import { describe, expect, it } from "vitest";
import {
  describeImages,
  MAX_IMAGES,
  parseReference,
  renderedImages,
  type CommitImage,
} from "../../../src/images/deployed.ts";
import { imageTrailerLines, parseImageTrailers } from "../../../src/images/trailers.ts";
import type { KubeObject } from "../../../src/kube/types.ts";
import { parseConfig } from "../../../src/config/load.ts";
import { sourceCommitUrl } from "../../../src/ui/links.ts";

const digest = (c: string) => `sha256:${c.repeat(64)}`;
const revision = "0123456789abcdef0123456789abcdef01234567";

/** "Key: value" lines as git hands them over, split the way the git service splits them. */
function trailersOf(lines: string[]) {
  return lines.map((line) => {
    const colon = line.indexOf(":");
    return { key: line.slice(0, colon), value: line.slice(colon + 1).trim() };
  });
}

describe("image-update trailers", () => {
  it("reads back what propose writes: policy, repository, tag, digest, source and revision", () => {
    const lines = imageTrailerLines("web", "acme/web", {
      tag: "1.2.0",
      digest: digest("a"),
      source: { url: "https://github.com/acme/web", revision },
    });
    expect(lines).toEqual([
      `Ferry-Image: web acme/web:1.2.0@${digest("a")}`,
      "Ferry-Image-Source: https://github.com/acme/web",
      `Ferry-Image-Revision: ${revision}`,
    ]);
    expect(parseImageTrailers(trailersOf(lines))).toEqual({
      policy: "web",
      repository: "acme/web",
      tag: "1.2.0",
      digest: digest("a"),
      source: "https://github.com/acme/web",
      revision,
    });
  });

  it("drops a hostile source or revision but keeps a valid image; refuses an image line that is not one", () => {
    const image = `Ferry-Image: web acme/web:1.2.0@${digest("a")}`;
    const hostile = parseImageTrailers(
      trailersOf([
        image,
        'Ferry-Image-Source: https://github.com/acme/web"><script>alert(1)</script>',
        `Ferry-Image-Revision: ${"a".repeat(100_000)}`,
      ]),
    );
    expect(hostile).toEqual({ policy: "web", repository: "acme/web", tag: "1.2.0", digest: digest("a") });
    // Unfolded continuation lines (a newline in the value) make a value with spaces: refused.
    expect(
      parseImageTrailers(trailersOf([image, "Ferry-Image-Source: https://github.com/acme/web <img src=x>"])),
    ).not.toHaveProperty("source");
    for (const line of [
      `Ferry-Image: web acme/web:1.2.0`,
      `Ferry-Image: web acme/web:1.2.0@sha256:short`,
      `Ferry-Image: web acme/web:$(rm -rf /)@${digest("a")}`,
      `Ferry-Image: Web! acme/web:1.2.0@${digest("a")}`,
      `Ferry-Image: web ACME/web:1.2.0@${digest("a")}`,
      `Ferry-Image: web acme/web:1.2.0@${digest("a")} trailing`,
      `Ferry-Image: web ${"a/".repeat(400)}web:1.2.0@${digest("a")}`,
    ])
      expect(parseImageTrailers(trailersOf([line])), line).toBeUndefined();
  });

  it("never writes a source that could break out of its trailer line", () => {
    const lines = imageTrailerLines("web", "acme/web", {
      tag: "1.2.0",
      digest: digest("a"),
      source: { url: "https://x.example/a\nFerry-Image: evil", revision: "not-hex" },
    });
    expect(lines).toEqual([`Ferry-Image: web acme/web:1.2.0@${digest("a")}`]);
  });
});

describe("rendered images", () => {
  const workload = (kind: string, spec: Record<string, unknown>): KubeObject => ({
    apiVersion: "apps/v1",
    kind,
    metadata: { name: kind.toLowerCase() },
    spec,
  });

  it("lists the containers and init containers of pods, workload templates and CronJobs once each", () => {
    const pod = {
      containers: [{ name: "a", image: "nginx:1.27" }],
      initContainers: [{ image: "busybox:1" }],
    };
    const objects = [
      workload("Deployment", { template: { spec: pod } }),
      workload("Pod", { containers: [{ image: "nginx:1.27" }, { image: "redis@" + digest("b") }] }),
      workload("CronJob", {
        jobTemplate: { spec: { template: { spec: { containers: [{ image: "job:2" }] } } } },
      }),
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { image: "not:this" } },
      workload("StatefulSet", {
        template: { spec: { containers: [{ image: 42 }, { image: "a b" }, null] } },
      }),
    ];
    expect(renderedImages(objects)).toEqual(["busybox:1", "nginx:1.27", `redis@${digest("b")}`, "job:2"]);
  });

  it("keeps at most MAX_IMAGES and leaves out references longer than a reference can be", () => {
    const containers = Array.from({ length: 200 }, (_, index) => ({ image: `img/${index}:1` }));
    containers.unshift({ image: `huge/${"x".repeat(10_000)}:1` });
    const images = renderedImages([workload("Pod", { containers })]);
    expect(images).toHaveLength(MAX_IMAGES);
    expect(images[0]).toBe("img/0:1");
  });

  it("splits a reference with a registry port, a tag and a digest", () => {
    expect(parseReference(`registry.example.com:5000/acme/web:1.2.0@${digest("c")}`)).toEqual({
      repository: "registry.example.com:5000/acme/web",
      tag: "1.2.0",
      digest: digest("c"),
    });
    expect(parseReference("registry.example.com:5000/acme/web")).toEqual({
      repository: "registry.example.com:5000/acme/web",
    });
  });
});

describe("describeImages", () => {
  const update = (tag: string, d: string, commit = "c".repeat(40)): CommitImage => ({
    commit,
    trailer: {
      policy: "web",
      repository: "acme/web",
      tag,
      digest: d,
      source: "https://github.com/acme/web",
      revision,
    },
  });

  it("completes the reference a trailer describes and invents nothing for the others", () => {
    const described = describeImages(
      ["harbor.example.com/acme/web:1.2.0", "nginx:1.27", "harbor.example.com/acme/web-admin:1.2.0"],
      [update("1.2.0", digest("a"))],
      [],
    );
    expect(described).toEqual([
      {
        image: "harbor.example.com/acme/web:1.2.0",
        repository: "harbor.example.com/acme/web",
        tag: "1.2.0",
        digest: digest("a"),
        policy: "web",
        commit: "c".repeat(40),
        source: "https://github.com/acme/web",
        revision,
      },
      { image: "nginx:1.27", repository: "nginx", tag: "1.27" },
      {
        image: "harbor.example.com/acme/web-admin:1.2.0",
        repository: "harbor.example.com/acme/web-admin",
        tag: "1.2.0",
      },
    ]);
  });

  it("takes no trailer of another tag, nor one whose digest differs from a pinned reference", () => {
    const pinned = `harbor.example.com/acme/web:1.2.0@${digest("b")}`;
    expect(
      describeImages(["harbor.example.com/acme/web:1.3.0", pinned], [update("1.2.0", digest("a"))], []),
    ).toEqual([
      { image: "harbor.example.com/acme/web:1.3.0", repository: "harbor.example.com/acme/web", tag: "1.3.0" },
      { image: pinned, repository: "harbor.example.com/acme/web", tag: "1.2.0", digest: digest("b") },
    ]);
  });

  it("keeps what an earlier record said about a reference that still runs", () => {
    const [first] = describeImages(["harbor.example.com/acme/web:1.2.0"], [update("1.2.0", digest("a"))], []);
    expect(describeImages(["harbor.example.com/acme/web:1.2.0"], [], [undefined, [first!]])).toEqual([first]);
  });
});

describe("sourceCommitUrl", () => {
  const config = parseConfig({
    forges: [{ name: "gl", type: "gitlab", url: "https://git.acme.test", token: "t", webhookSecret: "s" }],
    clusters: [{ name: "local", kubeconfig: "/dev/null" }],
    apps: [],
  });

  it("links a commit on github.com, gitlab.com and a configured forge, and nothing elsewhere", () => {
    expect(sourceCommitUrl(config.forges, "https://github.com/acme/web", revision)).toBe(
      `https://github.com/acme/web/commit/${revision}`,
    );
    expect(sourceCommitUrl(config.forges, "https://gitlab.com/acme/web.git", revision)).toBe(
      `https://gitlab.com/acme/web/-/commit/${revision}`,
    );
    expect(sourceCommitUrl(config.forges, "https://git.acme.test/team/web/", revision)).toBe(
      `https://git.acme.test/team/web/-/commit/${revision}`,
    );
    for (const source of [
      "https://github.com.evil.example/acme/web",
      "https://evil.example/acme/web",
      "http://github.com/acme/web",
      "https://github.com/",
      "https://github.com/acme/web?x=1",
    ])
      expect(sourceCommitUrl(config.forges, source, revision), source).toBeUndefined();
    expect(sourceCommitUrl(config.forges, "https://github.com/acme/web", undefined)).toBeUndefined();
  });
});
