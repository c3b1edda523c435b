// A component that cannot start must fail start-up quickly, name itself and show its log tail,
// and leave no process behind.
import { chmod, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { isAppError } from "../../../src/errors.ts";
import { COMPONENTS, resolveBinDir } from "../../../src/kube/local/binaries.ts";
import { startLocalCluster } from "../../../src/kube/local/controlplane.ts";
import { isAlive, type ComponentProcess } from "../../../src/kube/local/processes.ts";

describe("local control plane start-up failure", () => {
  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it("reports the failing component with the tail of its log and stops the others", async () => {
    const realBin = await resolveBinDir();
    const binDir = await mkdtemp(join(tmpdir(), "ferry-fakebin-"));
    const workDir = await mkdtemp(join(tmpdir(), "ferry-failing-cluster-"));
    dirs.push(binDir, workDir);
    for (const name of [...COMPONENTS.filter((c) => c !== "kube-apiserver"), "kwok-stages"]) {
      await symlink(join(realBin, name), join(binDir, name));
    }
    const fake = join(binDir, "kube-apiserver");
    await writeFile(fake, "#!/bin/sh\necho 'E0101 fake: cannot load the serving certificate' >&2\nexit 1\n");
    await chmod(fake, 0o755);

    const spawned: ComponentProcess[] = [];
    const error = await startLocalCluster({ dir: workDir, binDir, onSpawn: (p) => spawned.push(p) }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isAppError(error, "KUBE_UNAVAILABLE")).toBe(true);
    const message = error instanceof Error ? error.message : "";
    expect(message).toContain("kube-apiserver exited");
    expect(message).toContain("cannot load the serving certificate");
    expect(spawned.map((p) => p.name)).toEqual(["etcd", "kube-apiserver"]);
    expect(spawned.filter((p) => isAlive(p.pid))).toEqual([]);
  });
});
