import { describe, expect, it } from "vitest";
import { compareRenders } from "../../../src/diff/compare.ts";
import { PAGE_CAPPED_NOTE, previewHtml } from "../../../src/report/html.ts";
import { configMap, podinfoRef } from "../diff/objects.ts";
import { imageAndServiceDiff, newImage, reportBase } from "./fixtures.ts";

describe("previewHtml", () => {
  it("is a self-contained page with every resource and its diff", async () => {
    const html = previewHtml({ ...reportBase, apps: [await imageAndServiceDiff()] });
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html).toContain("Content-Security-Policy");
    expect(html).toContain("+ Service podinfo/podinfo — added");
    expect(html).toContain(`<span class="add">+        - image: ${newImage}\n</span>`);
    expect(html).not.toMatch(/<script|<link|src=|https?:\/\//);
  });

  it("escapes everything that comes from Git or the cluster", async () => {
    const app = await compareRenders({
      ...podinfoRef,
      app: "x<script>alert(1)</script>",
      base: [],
      head: [configMap({ html: "<img src=x onerror=alert(1)>" }, "evil")],
      notes: ['fork "<b>"'],
    });
    const html = previewHtml({ ...reportBase, apps: [app] });
    expect(html).not.toContain("<script>alert");
    expect(html).not.toContain("<img");
    expect(html).toContain("&lt;img src=x onerror=alert(1)&gt;");
    expect(html).toContain("fork &quot;&lt;b&gt;&quot;");
    expect(html).toContain("✅ render only");
  });

  it("links commits only through http(s) URLs", () => {
    const linked = previewHtml({ ...reportBase, apps: [], commitUrlTemplate: "https://git.example/c/{sha}" });
    expect(linked).toContain(
      `<a href="https://git.example/c/${reportBase.headSha}"><code>2222222</code></a>`,
    );
    const refused = previewHtml({ ...reportBase, apps: [], commitUrlTemplate: "javascript:alert('{sha}')" });
    expect(refused).not.toContain("javascript:");
  });

  it("is unchanged under its size cap and drops whole resources, in order, over it", async () => {
    const app = await imageAndServiceDiff();
    const whole = previewHtml({ ...reportBase, apps: [app] });
    expect(previewHtml({ ...reportBase, apps: [app] }, Buffer.byteLength(whole))).toBe(whole);

    const capped = previewHtml({ ...reportBase, apps: [app] }, Buffer.byteLength(whole) - 1);
    expect(Buffer.byteLength(capped)).toBeLessThan(Buffer.byteLength(whole));
    expect(capped).toContain(PAGE_CAPPED_NOTE);
    expect(capped).toMatch(/\d+ changed resources? not shown: the page is over its size cap\./);
    expect(capped.trimEnd().endsWith("</body></html>")).toBe(true);
    expect(capped.match(/<pre>/g)?.length ?? 0).toBe(capped.match(/<\/pre>/g)?.length ?? 0);
  });
});
