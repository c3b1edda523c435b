// Start-up's maxmemory-policy check (src/queue/eviction.ts) on a real redis-server: noeviction
// passes, an evicting policy is refused naming it (and `ferry worker` exits with code 2 saying
// so), and a Redis that does not let Ferry read its configuration (an ACL user without CONFIG)
// is accepted with a warning.
import { spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isAppError } from "../../../src/errors.ts";
import { createRedis, type RedisClient } from "../../../src/queue/connection.ts";
import { checkEvictionPolicy } from "../../../src/queue/eviction.ts";
import { captureLogs } from "../../support/logs.ts";
import { startRedis, type TestRedis } from "../../support/redis.ts";

const cli = new URL("../../../src/cli/main.ts", import.meta.url).pathname;
let server: TestRedis;
let admin: RedisClient;

beforeAll(async () => {
  // A private server: the policy is changed here, which the run's shared Redis must not see.
  server = await startRedis();
  admin = createRedis(server.url, "worker");
});

afterAll(async () => {
  await admin.quit();
  await server.stop();
});

describe("the maxmemory-policy check", () => {
  it("passes noeviction and refuses an evicting policy, naming it", async () => {
    const logs = captureLogs("info");
    await expect(checkEvictionPolicy(admin, logs.logger)).resolves.toBeUndefined();

    await admin.config("SET", "maxmemory-policy", "allkeys-lru");
    const refused = await checkEvictionPolicy(admin, logs.logger).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(isAppError(refused, "CONFIG_INVALID")).toBe(true);
    expect((refused as Error).message).toContain("maxmemory-policy must be noeviction (redis: allkeys-lru)");

    // `ferry worker` on that Redis refuses to start, with the reason, before taking any job.
    const dir = await mkdtemp(join(tmpdir(), "ferry-eviction-"));
    try {
      const config = join(dir, "ferry.yaml");
      await writeFile(
        config,
        JSON.stringify({
          redis: { url: server.url, prefix: "t-eviction" },
          workDir: dir,
          clusters: [{ name: "local", kubeconfig: "/dev/null" }],
        }),
      );
      const worker = spawnSync(process.execPath, [cli, "worker", "--config", config], {
        encoding: "utf8",
        timeout: 60_000,
      });
      expect(worker.status, worker.stderr).toBe(2);
      expect(worker.stderr + worker.stdout).toContain(
        "maxmemory-policy must be noeviction (redis: allkeys-lru)",
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
      await admin.config("SET", "maxmemory-policy", "noeviction");
    }
  });

  it("warns, and goes on, when the user may not read the configuration", async () => {
    await admin.call("ACL", "SETUSER", "no-config", "on", ">pw", "~*", "+@all", "-config");
    const user = createRedis({ url: server.url, username: "no-config", password: "pw" }, "worker");
    const logs = captureLogs("info");
    try {
      await expect(checkEvictionPolicy(user, logs.logger)).resolves.toBeUndefined();
      expect(logs.text()).toContain("cannot read Redis maxmemory-policy: make sure it is noeviction");
    } finally {
      await user.quit();
    }
  });
});
