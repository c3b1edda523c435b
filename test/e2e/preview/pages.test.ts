// GET /previews/:id on the real express app and Redis: the stored page with its CSP, a JSON
// 404 for unknown, expired or malformed ids.
import type { AddressInfo } from "node:net";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { parseConfig } from "../../../src/config/load.ts";
import { createApp } from "../../../src/http/app.ts";
import { closeServer, listen } from "../../../src/http/server.ts";
import { PREVIEW_PAGE_TTL_SECONDS, savePreviewPage } from "../../../src/preview/pages.ts";
import { keyPattern, previewPageKey } from "../../../src/keys.ts";
import { createRedis } from "../../../src/queue/connection.ts";
import { createEnqueuer } from "../../../src/queue/enqueue.ts";
import { PREVIEW_PAGE_CSP } from "../../../src/report/index.ts";
import { captureLogs } from "../../support/logs.ts";

const redis = createRedis(inject("redisUrl"), "worker");
const config = parseConfig({ redis: { prefix: `t-pages-${process.pid}-${Date.now()}` } });
const prefix = config.redis.prefix;
const enqueuer = createEnqueuer(redis, { prefix });
const id = "A".repeat(16) + "b_-".repeat(5) + "z";
let base = "";
let close: () => Promise<void> = () => Promise.resolve();

beforeAll(async () => {
  const app = createApp({
    config,
    enqueuer,
    redis,
    logger: captureLogs().logger,
    registry: new Registry(),
  });
  const server = await listen(app, 0, "127.0.0.1");
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => closeServer(server);
});

afterAll(async () => {
  await close();
  const keys = await redis.keys(keyPattern(prefix));
  if (keys.length > 0) await redis.del(...keys);
  await enqueuer.close();
  await redis.quit();
});

describe("GET /previews/:id", () => {
  it("serves a stored page as HTML under the preview CSP, for a week", async () => {
    await savePreviewPage(redis, prefix, id, "<!doctype html><p>full preview</p>");
    const response = await fetch(`${base}/previews/${id}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    expect(response.headers.get("content-security-policy")).toBe(PREVIEW_PAGE_CSP);
    expect(await response.text()).toBe("<!doctype html><p>full preview</p>");
    const ttl = await redis.ttl(previewPageKey(prefix, id));
    expect(ttl).toBeGreaterThan(PREVIEW_PAGE_TTL_SECONDS - 60);
  });

  it.each(["B".repeat(32), "short", "..%2F..%2Fetc", "A".repeat(33)])(
    "answers 404 JSON for %s",
    async (bad) => {
      const response = await fetch(`${base}/previews/${bad}`);
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ error: "NOT_FOUND" });
    },
  );
});
