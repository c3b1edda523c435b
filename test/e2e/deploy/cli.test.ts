// `ferry sync` and `ferry status` as a person runs them: a dry run plans and changes nothing,
// a sync deploys in-process and reports, status shows the result as a table. It runs on a
// Redis database of its own (no other test uses number 9), so it can also check that every
// key the sync wrote lives under the configured prefix.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { describe, expect, inject, it, onTestFinished } from "vitest";
import { keyPattern, syncKey } from "../../../src/keys.ts";
import { createNamespace, testKubeClient } from "../../support/cluster.ts";
import { FakeGithub } from "../../support/fakes/github.ts";
import { createRepo } from "../../support/git.ts";
import { deployment, deploymentView } from "./fixtures.ts";

const run = promisify(execFile);
const cli = new URL("../../../src/cli/main.ts", import.meta.url).pathname;

async function ferry(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args], { env: { ...process.env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe("ferry sync / ferry status", () => {
  it("dry-runs, then deploys, then shows the app as Synced", async () => {
    const repo = await createRepo({ "apps/web/deployment.yaml": deployment("nginx:1.27") });
    onTestFinished(() => repo.cleanup());
    const ns = await createNamespace("cli");
    onTestFinished(() => ns.delete());
    const github = await FakeGithub.start();
    onTestFinished(() => github.close());
    const dir = await mkdtemp(join(tmpdir(), "ferry-cli-sync-"));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const app = `cli-${randomBytes(3).toString("hex")}`;
    const redisUrl = `${inject("redisUrl")}/9`;
    const prefix = `{t-${app}}`;
    const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
    onTestFinished(async () => {
      const keys = await redis.keys(keyPattern(prefix));
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    });
    const config = join(dir, "ferry.yaml");
    await writeFile(
      config,
      JSON.stringify({
        redis: { url: redisUrl, prefix },
        workDir: join(dir, "work"),
        forges: [
          { name: "github", type: "github", apiUrl: github.url, token: github.token, webhookSecret: "s" },
        ],
        clusters: [{ name: "local", kubeconfig: inject("kubeconfig") }],
        apps: [
          {
            name: app,
            forge: "github",
            repo: `acme/${app}`,
            repoUrl: repo.dir,
            path: "apps/web",
            destination: { cluster: "local", namespace: ns.name },
          },
        ],
      }),
    );
    const sha = await repo.head();
    const kube = testKubeClient();

    const dry = await ferry("sync", app, "--config", config, "--dry-run");
    expect(dry).toMatchObject({ code: 0 });
    expect(dry.stdout).toContain(`# plan for ${app} at ${sha.slice(0, 12)}`);
    expect(dry.stdout).toContain(`wave 0: apps/Deployment/${ns.name}/web`);
    expect(dry.stdout).toMatch(/# Deployment .*web: added/);
    expect(await deploymentView(kube, ns.name)).toEqual({ available: false });

    const synced = await ferry("sync", app, "--config", config);
    expect(synced).toMatchObject({ code: 0 });
    expect(synced.stdout).toContain(`${app} at ${sha.slice(0, 12)}: succeeded`);
    expect(synced.stdout).toContain("1 applied, 0 pruned");
    expect(await deploymentView(kube, ns.name)).toEqual({ image: "nginx:1.27", available: true });
    expect(github.statuses.map((status) => status.state)).toEqual(["pending", "success"]);
    const written = await redis.keys("*");
    expect(written).toContain(syncKey(prefix, app, "history"));
    expect(written.filter((key) => !key.startsWith(`${prefix}:`))).toEqual([]);

    const status = await ferry("status", "--config", config);
    expect(status).toMatchObject({ code: 0 });
    const [header, row] = status.stdout.trim().split("\n");
    expect(header).toMatch(/^APP\s+DESTINATION\s+SYNC\s+HEALTH\s+REVISION\s+LAST DEPLOY$/);
    expect(row).toMatch(
      new RegExp(`^${app}\\s+local/${ns.name}\\s+Synced\\s+Healthy\\s+${sha.slice(0, 7)}\\s+succeeded`),
    );
    // The last deploy names who caused it: someone at the command line.
    expect(row).toMatch(/, ferry sync\)$/);
  });
});
