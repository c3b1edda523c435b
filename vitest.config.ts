import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/support/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    // Two cores: integration tests share one control plane and one Redis.
    pool: "forks",
    maxWorkers: 2,
  },
});
