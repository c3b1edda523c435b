// `ferry diff` as a user runs it: a process with a ferry.yaml, a git repository and the
// control plane. It prints masked unified diffs and exits 1 with --exit-code on a difference.
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, inject, it } from "vitest";
import { testKubeClient, useNamespace } from "../../support/cluster.ts";
import { createRepo, type TestRepo } from "../../support/git.ts";
import { seed, snapshot, waitSettled } from "./cluster.ts";
import { deployment, secret } from "./fixtures.ts";

const run = promisify(execFile);
const cli = new URL("../../../src/cli/main.ts", import.meta.url).pathname;
const ns = useNamespace("pvcli");
const kube = testKubeClient();
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function ferry(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

async function setup(files: Record<string, string>): Promise<{ file: string; repo: TestRepo }> {
  const repo = await createRepo(files);
  const dir = await mkdtemp(join(tmpdir(), "ferry-cli-diff-"));
  cleanups.push(
    () => repo.cleanup(),
    () => rm(dir, { recursive: true, force: true }),
  );
  const file = join(dir, "ferry.yaml");
  const config = {
    workDir: join(dir, "work"),
    forges: [{ name: "github", type: "github", webhookSecret: "s" }],
    clusters: [{ name: "local", kubeconfig: inject("kubeconfig") }],
    apps: [
      {
        name: "web",
        forge: "github",
        repo: "acme/deploy",
        repoUrl: repo.dir,
        path: "apps/web",
        destination: { cluster: "local", namespace: ns.name },
      },
    ],
  };
  await writeFile(file, JSON.stringify(config));
  return { file, repo };
}

describe("ferry diff", () => {
  it("prints the dry-run diff with the Secret masked and exits 1 with --exit-code", async () => {
    const password = "cli-plaintext-Password-9";
    const { file, repo } = await setup({
      "apps/web/deployment.yaml": deployment("nginx:1.27"),
      "apps/web/secret.yaml": secret(password),
    });
    await seed(kube, "web", ns.name, deployment("nginx:1.25"));
    await waitSettled(kube, ns.name, "web");
    const before = await snapshot(kube, ns.name);

    const result = await ferry("diff", "web", "--config", file, "--exit-code");
    expect(result.stderr).toBe("");
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^-\s+- image: nginx:1\.25$/m);
    expect(result.stdout).toMatch(/^\+\s+- image: nginx:1\.27$/m);
    expect(result.stdout).toContain("# Secret " + ns.name + "/db: added");
    expect(result.stdout).toMatch(/password: \+{8} \(added, 24 bytes\)/);
    expect(result.stdout).not.toContain(password);
    expect(result.stdout).not.toContain(Buffer.from(password).toString("base64"));
    expect(result.stdout).toContain(`web at ${(await repo.head()).slice(0, 12)}`);
    expect(result.stdout).toContain("+1 ~1 −0");
    expect(await snapshot(kube, ns.name)).toEqual(before);

    // Without --exit-code a difference is not a failure.
    expect((await ferry("diff", "web", "--config", file)).code).toBe(0);
  });

  it("exits 0 with --exit-code when the cluster already matches the revision", async () => {
    const { file, repo } = await setup({ "apps/web/deployment.yaml": deployment("nginx:1.25") });
    const first = await repo.head();
    await repo.write({ "apps/web/deployment.yaml": deployment("nginx:1.26") });
    await repo.commit("newer");
    await seed(kube, "web", ns.name, deployment("nginx:1.25"));
    await waitSettled(kube, ns.name, "web");

    const result = await ferry("diff", "web", "--config", file, "--revision", first, "--exit-code");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("+0 ~0 −0");
    expect((await ferry("diff", "web", "--config", file, "--exit-code")).code).toBe(1);
    expect((await ferry("diff", "nope", "--config", file)).code).toBe(2);
  });
});
