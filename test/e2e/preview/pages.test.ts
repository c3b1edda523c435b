// GET /previews/:id on the real express app and Redis: the stored page with its CSP, a JSON
// 404 for unknown, expired or malformed ids, 410 for a page a newer push replaced, and a page
// over the size cap stored whole-resource-truncated.
import type { AddressInfo } from "node:net";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { parseConfig } from "../../../src/config/load.ts";
import { createApp } from "../../../src/http/app.ts";
import { closeServer, listen } from "../../../src/http/server.ts";
import { compareRenders } from "../../../src/diff/compare.ts";
import { PREVIEW_PAGE_TTL_SECONDS, savePreviewPage } from "../../../src/preview/pages.ts";
import { currentPreviewPageKey, keyPattern, previewPageKey } from "../../../src/keys.ts";
import { PAGE_CAPPED_NOTE, previewHtml } from "../../../src/report/html.ts";
import { configMap, podinfoRef } from "../../unit/diff/objects.ts";
import { reportBase } from "../../unit/report/fixtures.ts";
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
    await savePreviewPage(redis, prefix, "gh/o/r#1", id, "<!doctype html><p>full preview</p>");
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

  it("keeps one live page per merge request: a second push's page supersedes the first", async () => {
    const first = "F".repeat(32);
    const second = "S".repeat(32);
    const other = "O".repeat(32);
    await savePreviewPage(redis, prefix, "gh/o/r#7", first, "<!doctype html><p>push 1</p>");
    await savePreviewPage(redis, prefix, "gh/o/r#8", other, "<!doctype html><p>another MR</p>");
    expect(await (await fetch(`${base}/previews/${first}`)).text()).toBe("<!doctype html><p>push 1</p>");
    await savePreviewPage(redis, prefix, "gh/o/r#7", second, "<!doctype html><p>push 2</p>");

    const current = await fetch(`${base}/previews/${second}`);
    expect(current.status).toBe(200);
    expect(await current.text()).toBe("<!doctype html><p>push 2</p>");
    const old = await fetch(`${base}/previews/${first}`);
    expect(old.status).toBe(410);
    expect(await old.json()).toMatchObject({ error: "PREVIEW_SUPERSEDED" });
    expect(await redis.get(previewPageKey(prefix, first))).not.toContain("push 1");
    expect(await redis.get(currentPreviewPageKey(prefix, "gh/o/r#7"))).toBe(second);
    // Another merge request's page is untouched.
    expect((await fetch(`${base}/previews/${other}`)).status).toBe(200);
    // The same page again (a re-run that found nothing new) stays live.
    await savePreviewPage(redis, prefix, "gh/o/r#7", second, "<!doctype html><p>push 2</p>");
    expect((await fetch(`${base}/previews/${second}`)).status).toBe(200);
  });

  it("stores a page over the size cap cut at a resource boundary, with a note, as whole HTML", async () => {
    const maxBytes = 256 * 1024;
    const app = await compareRenders({
      ...podinfoRef,
      base: [],
      head: Array.from({ length: 40 }, (_, i) =>
        configMap({ content: `line ${i}\n`.repeat(2_000) }, `big-${String(i).padStart(2, "0")}`),
      ),
      notes: [],
    });
    const uncapped = previewHtml({ ...reportBase, apps: [app] });
    expect(Buffer.byteLength(uncapped)).toBeGreaterThan(maxBytes);
    const html = previewHtml({ ...reportBase, apps: [app] }, maxBytes);
    const capped = "C".repeat(32);
    await savePreviewPage(redis, prefix, "gh/o/r#9", capped, html);

    const served = await (await fetch(`${base}/previews/${capped}`)).text();
    expect(Buffer.byteLength(served)).toBeLessThanOrEqual(maxBytes);
    expect(served).toContain(PAGE_CAPPED_NOTE);
    expect(served).toContain("ConfigMap podinfo/big-00");
    expect(served).not.toContain("ConfigMap podinfo/big-39");
    const shown = served.match(/<h3>/g)?.length ?? 0;
    expect(served).toContain(`${40 - shown} changed resources not shown: the page is over its size cap.`);
    // Whole resources only: every <pre> opened is closed, and the document ends properly.
    expect(served.match(/<pre>/g)?.length).toBe(served.match(/<\/pre>/g)?.length);
    expect(served.trimEnd().endsWith("</body></html>")).toBe(true);
  });
});
