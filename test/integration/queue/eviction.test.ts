// Start-up's maxmemory-policy check (src/queue/eviction.ts) on a real redis-server: noeviction
// passes, an evicting policy is refused naming it, and a Redis that does not let Ferry read its
// configuration (an ACL user without CONFIG) is accepted with a warning.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isAppError } from "../../../src/errors.ts";
import { createRedis, type RedisClient } from "../../../src/queue/connection.ts";
import { checkEvictionPolicy } from "../../../src/queue/eviction.ts";
import { captureLogs } from "../../support/logs.ts";
import { startRedis, type TestRedis } from "../../support/redis.ts";

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
    await admin.config("SET", "maxmemory-policy", "noeviction");
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
