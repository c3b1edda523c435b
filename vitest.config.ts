import { randomBytes } from "node:crypto";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/support/global-setup.ts"],
    // Workers seal their stored state with it (src/state/seal.ts); the processes tests start
    // inherit it. A fresh one per run, like a deployment's own.
    env: { FERRY_STATE_KEY: randomBytes(32).toString("base64") },
    testTimeout: 60_000,
    hookTimeout: 180_000,
    // Two cores: integration tests share one control plane and one Redis.
    pool: "forks",
    maxWorkers: 2,
  },
});
