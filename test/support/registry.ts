// Debian's docker-registry (CNCF Distribution), started on loopback with a configuration written
// here, and images pushed to it through its HTTP API (a config blob, a tiny layer, a manifest
// under a tag): no Docker involved. scripts/setup.ts installs the package.
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { freePort } from "./ports.ts";
import { startProcess, waitFor, type ManagedProcess } from "./process.ts";

export const REGISTRY_BINARY = "/usr/bin/docker-registry";

export interface NotificationEndpoint {
  url: string;
  token: string;
}

export interface TestRegistry {
  url: string;
  stop: () => Promise<void>;
  /** Pushes a single-platform image under `tag`; returns its manifest digest. */
  push: (repository: string, tag: string, labels?: Record<string, string>) => Promise<string>;
  /** Pushes a multi-platform index (of one image) under `tag`; returns its digest. */
  pushIndex: (repository: string, tag: string) => Promise<string>;
  /** Points more tags at an image already pushed. */
  tagMany: (repository: string, digest: string, tags: readonly string[]) => Promise<void>;
}

const sha256 = (data: Buffer | string) => `sha256:${createHash("sha256").update(data).digest("hex")}`;

export async function startRegistry(notify?: NotificationEndpoint): Promise<TestRegistry> {
  const dir = await mkdtemp(join(tmpdir(), "ferry-registry-"));
  const port = await freePort();
  const notifications = notify
    ? [
        "notifications:",
        "  endpoints:",
        "    - name: ferry",
        `      url: ${notify.url}`,
        "      headers:",
        `        Authorization: [Bearer ${notify.token}]`,
        "      timeout: 2s",
        "      threshold: 5",
        "      backoff: 1s",
      ]
    : [];
  await writeFile(
    join(dir, "config.yml"),
    [
      "version: 0.1",
      "log: { level: info }",
      `storage: { filesystem: { rootdirectory: ${join(dir, "data")} }, delete: { enabled: true } }`,
      `http: { addr: "127.0.0.1:${port}", secret: test-only-secret }`,
      ...notifications,
      "",
    ].join("\n"),
  );
  const child: ManagedProcess = startProcess("docker-registry", REGISTRY_BINARY, [
    "serve",
    join(dir, "config.yml"),
  ]);
  const url = `http://127.0.0.1:${port}`;
  await waitFor("docker-registry to answer /v2/", async () => (await fetch(`${url}/v2/`)).status === 200, {
    timeoutMs: 30_000,
    describe: child.tail,
  });

  const api = async (method: string, path: string, body?: Buffer | string, contentType?: string) => {
    const answer = await fetch(path.startsWith("http") ? path : `${url}${path}`, {
      method,
      ...(body === undefined ? {} : { body }),
      headers: contentType ? { "content-type": contentType } : {},
    });
    if (answer.status >= 300) throw new Error(`${method} ${path}: ${answer.status} ${await answer.text()}`);
    return answer;
  };
  const uploadBlob = async (repository: string, data: Buffer) => {
    const started = await api("POST", `/v2/${repository}/blobs/uploads/`);
    await started.body?.cancel();
    const location = new URL(started.headers.get("location")!, url);
    location.searchParams.set("digest", sha256(data));
    await (await api("PUT", location.toString(), data, "application/octet-stream")).body?.cancel();
    return { digest: sha256(data), size: data.length };
  };
  const putManifest = async (repository: string, tag: string, manifest: string, mediaType: string) => {
    await (await api("PUT", `/v2/${repository}/manifests/${tag}`, manifest, mediaType)).body?.cancel();
    return sha256(manifest);
  };
  const manifests = new Map<string, string>();

  return {
    url,
    stop: async () => {
      await child.stop();
      await rm(dir, { recursive: true, force: true });
    },
    push: async (repository, tag, labels = {}) => {
      const layer = gzipSync(Buffer.from(`layer of ${repository}:${tag}\n`));
      const config = Buffer.from(
        JSON.stringify({
          architecture: "amd64",
          os: "linux",
          config: { Labels: labels },
          rootfs: { type: "layers", diff_ids: [sha256(`layer of ${repository}:${tag}\n`)] },
        }),
      );
      const configBlob = await uploadBlob(repository, config);
      const layerBlob = await uploadBlob(repository, layer);
      const manifest = JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        config: { mediaType: "application/vnd.oci.image.config.v1+json", ...configBlob },
        layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", ...layerBlob }],
      });
      const digest = await putManifest(
        repository,
        tag,
        manifest,
        "application/vnd.oci.image.manifest.v1+json",
      );
      manifests.set(digest, manifest);
      return digest;
    },
    pushIndex: async (repository, tag) => {
      const [digest, manifest] = [...manifests.entries()].at(-1)!;
      const index = JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.index.v1+json",
        manifests: [
          {
            mediaType: "application/vnd.oci.image.manifest.v1+json",
            digest,
            size: Buffer.byteLength(manifest),
            platform: { architecture: "amd64", os: "linux" },
          },
        ],
      });
      return putManifest(repository, tag, index, "application/vnd.oci.image.index.v1+json");
    },
    tagMany: async (repository, digest, tags) => {
      // Written the way the registry's filesystem driver stores tags (one link file per tag):
      // 10,000 manifest PUTs take minutes on a loaded machine, and the listing read back
      // through the API is what is under test.
      const root = join(
        dir,
        "data",
        "docker",
        "registry",
        "v2",
        "repositories",
        repository,
        "_manifests",
        "tags",
      );
      const hex = digest.replace("sha256:", "");
      for (const tag of tags) {
        await mkdir(join(root, tag, "current"), { recursive: true });
        await mkdir(join(root, tag, "index", "sha256", hex), { recursive: true });
        await writeFile(join(root, tag, "current", "link"), digest);
        await writeFile(join(root, tag, "index", "sha256", hex, "link"), digest);
      }
    },
  };
}
