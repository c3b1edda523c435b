// `ferry cluster up/down` as a person uses it: a child process that leaves the control plane
// running in the background, and a second one that stops it.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { createKubeClient } from "../../../src/kube/client.ts";
import { loadKubeConfig } from "../../../src/kube/kubeconfig.ts";
import { stopRecorded } from "../../../src/kube/local/manage.ts";
import { isAlive } from "../../../src/kube/local/processes.ts";
import { readState } from "../../../src/kube/local/state.ts";

const run = promisify(execFile);
const ferry = (...args: string[]) =>
  run(process.execPath, ["src/cli/main.ts", ...args], { cwd: join(import.meta.dirname, "..", "..", "..") });

describe("ferry cluster up/down", () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (!dir) return;
    await stopRecorded(dir);
    await rm(dir, { recursive: true, force: true });
  });

  it(
    "starts a control plane that outlives the command and stops it again",
    { timeout: 180_000 },
    async () => {
      dir = await mkdtemp(join(tmpdir(), "ferry-cli-cluster-"));
      const up = await ferry("cluster", "up", "--dir", dir);
      const lines = up.stdout.trim().split("\n");
      const kubeconfig = join(dir, "kubeconfig");
      expect(lines.at(-1)).toBe(`export KUBECONFIG=${kubeconfig}`);

      const kc = loadKubeConfig({ name: "cli", kubeconfig, inCluster: false });
      const node = await createKubeClient(kc).get({ apiVersion: "v1", kind: "Node", name: "kwok-node-0" });
      const status = node?.status as {
        conditions: Array<{ type: string; status: string }>;
        allocatable: { pods: string };
      };
      expect(status.conditions.find((c) => c.type === "Ready")?.status).toBe("True");
      // Room for more than one 1,000-app fleet (the API writes 10000 as the quantity "10k").
      const [, digits = "", kilo] = /^(\d+)(k?)$/.exec(status.allocatable.pods) ?? [];
      expect(Number(digits) * (kilo ? 1_000 : 1)).toBeGreaterThan(2_000);

      const again = await ferry("cluster", "up", "--dir", dir);
      expect(again.stderr).toContain("already running");
      expect(again.stdout.trim().split("\n").at(-1)).toBe(`export KUBECONFIG=${kubeconfig}`);

      const state = await readState(dir);
      expect(state?.processes.map((p) => p.name)).toEqual([
        "etcd",
        "kube-apiserver",
        "kube-controller-manager",
        "kube-scheduler",
        "kwok",
      ]);
      // The controllers run at a realistic client rate (the running processes' own command lines).
      for (const name of ["kube-controller-manager", "kube-scheduler"]) {
        const pid = state?.processes.find((p) => p.name === name)?.pid;
        const argv = (await readFile(`/proc/${pid}/cmdline`, "utf8")).split("\0");
        expect(argv, name).toEqual(expect.arrayContaining(["--kube-api-qps=300", "--kube-api-burst=600"]));
      }
      const down = await ferry("cluster", "down", "--dir", dir);
      expect(down.stdout).toContain("stopped 5 processes");
      expect(state?.processes.filter((p) => isAlive(p.pid))).toEqual([]);
      await expect(stat(join(dir, "cluster.json"))).rejects.toMatchObject({ code: "ENOENT" });
      expect((await ferry("cluster", "down", "--dir", dir)).stdout).toContain("no control plane running");
    },
  );
});
