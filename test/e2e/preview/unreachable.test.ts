// An unreachable cluster is transient until the job's last attempt: earlier attempts throw a
// retryable error (the status stays pending), the last one posts a render-only preview.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { isAppError } from "../../../src/errors.ts";
import { runPreview } from "../../../src/preview/pipeline.ts";
import { freePort } from "../../support/ports.ts";
import { appRepo, deployment, webApp, type AppRepo } from "./fixtures.ts";
import { startHarness, type Harness } from "./harness.ts";

const REPO = "acme/deploy";
let harness: Harness | undefined;
let app: AppRepo | undefined;
let dir: string | undefined;
let deadServer = "";

afterEach(async () => {
  await harness?.close();
  await app?.repo.cleanup();
  if (dir) await rm(dir, { recursive: true, force: true });
  harness = app = dir = undefined;
});

/** A kubeconfig whose API server is a loopback port nobody listens on. */
async function deadKubeconfig(): Promise<string> {
  dir = await mkdtemp(join(tmpdir(), "ferry-dead-"));
  const file = join(dir, "kubeconfig");
  const server = `https://127.0.0.1:${await freePort()}`;
  deadServer = server;
  await writeFile(
    file,
    JSON.stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "dead", cluster: { server, "insecure-skip-tls-verify": true } }],
      users: [{ name: "u", user: { token: "not-a-real-token" } }],
      contexts: [{ name: "dead", context: { cluster: "dead", user: "u" } }],
      "current-context": "dead",
    }),
  );
  return file;
}

describe("preview against an unreachable cluster", () => {
  it("retries while attempts remain, then falls back to a render-only preview", async () => {
    app = await appRepo({ "apps/web/deployment.yaml": deployment("nginx:1.25") });
    const kubeconfig = await deadKubeconfig();
    harness = await startHarness(
      [
        {
          ...webApp("web", "github", REPO, app.repo.dir, "default"),
          destination: { cluster: "down", namespace: "default" },
        },
      ],
      [{ name: "down", kubeconfig }],
    );
    const head = await app.push({ "apps/web/deployment.yaml": deployment("nginx:1.27") });
    harness.github.seedPull(REPO, { number: 21, headSha: head });
    const job = {
      forge: "github",
      repo: REPO,
      number: 21,
      headSha: head,
      baseSha: app.base,
      headRef: "feature",
      baseRef: "main",
      isFork: false,
      apps: ["web"],
      deliveryId: "d-21",
    };

    const early = await runPreview(job, harness.runtime, { finalAttempt: false }).catch(
      (error: unknown) => error,
    );
    expect(isAppError(early, "KUBE_UNAVAILABLE") && early.retryable).toBe(true);
    expect(harness.github.comments(REPO, 21)).toHaveLength(0);
    expect(harness.github.statuses.map((s) => s.state)).toEqual(["pending"]);

    const last = await runPreview(job, harness.runtime, { finalAttempt: true });
    expect(last).toMatchObject({ result: "posted", state: "success" });
    const body = harness.github.comments(REPO, 21)[0]?.body ?? "";
    expect(body).toContain("Cluster down could not be reached");
    expect(body).toContain("render only");
    expect(body).not.toContain(deadServer.replace("https://", ""));
    expect(body).toMatch(/^\+\s+(- )?image: nginx:1\.27$/m);
    harness.github.assertNoUnexpected();
  });
});
