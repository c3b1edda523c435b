import { describe, expect, it } from "vitest";
import { compareLive, renderFailure } from "../../../src/diff/compare.ts";
import { previewHtml } from "../../../src/report/html.ts";
import { parsePreviewMarker, previewComment } from "../../../src/report/preview.ts";
import { previewUrl } from "../../../src/report/summary.ts";
import {
  asLive,
  configMap,
  deployment,
  podinfoRef,
  rejectedDeploymentInput,
  secret,
} from "../diff/objects.ts";
import { checkMarkdown, expectWellFormed } from "./check-markdown.ts";
import { imageAndServiceDiff, manyResourcesDiff, newImage, oldImage, reportBase } from "./fixtures.ts";

const fullUrl = previewUrl("https://ferry.example.com/", "run-123");

describe("previewComment", () => {
  it("starts with the marker, shows counts +1 ~1 −0 and the image line in a diff block", async () => {
    const body = previewComment({ ...reportBase, apps: [await imageAndServiceDiff()] });
    const [first] = body.split("\n");
    expect(first).toBe(`<!-- ferry:preview key=github/acme/deploy!42 head=${reportBase.headSha} -->`);
    expect(parsePreviewMarker(body)).toEqual({ key: "github/acme/deploy!42", head: reportBase.headSha });
    expect(body).toContain("✅ Ferry preview: ready to merge");
    expect(body).toContain("**+1 ~1 −0** · 1 of 1 app changed · 0 blocking errors");
    expect(body).toContain("| podinfo | prod / podinfo | plain | +1 ~1 −0 | ✅ dry-run |");
    expect(body).toContain("Base `1111111` → head `2222222`");
    const shape = checkMarkdown(body);
    expect(expectWellFormed(shape)).toBeUndefined();
    const diffLines = shape.blocks
      .filter((block) => block.language === "diff")
      .flatMap((block) => block.body);
    expect(diffLines).toContain(`-        - image: ${oldImage}`);
    expect(diffLines).toContain(`+        - image: ${newImage}`);
  });

  it("links the SHAs when a commit URL template is given", async () => {
    const body = previewComment({
      ...reportBase,
      apps: [await imageAndServiceDiff()],
      commitUrlTemplate: "https://github.com/acme/deploy/commit/{sha}",
    });
    expect(body).toContain(`[\`2222222\`](https://github.com/acme/deploy/commit/${reportBase.headSha})`);
  });

  it("renders a dry-run error as a blocking failure with the API's message", async () => {
    const message =
      'Deployment.apps "podinfo" is invalid: spec.selector: Invalid value: {"app":"other"}: field is immutable';
    const app = await compareLive(rejectedDeploymentInput(message));
    const body = previewComment({ ...reportBase, apps: [app] });
    expect(body).toContain("❌ Ferry preview: 1 blocking error: fix before merging");
    expect(body).toContain("❌ dry-run: 1 error");
    expect(body).toContain("#### Blocking");
    const texts = checkMarkdown(body).blocks.filter((block) => block.language === "text");
    expect(texts.map((block) => block.body.join("\n"))).toContain(message);
    expect(previewHtml({ ...reportBase, apps: [app] })).toContain("field is immutable");
  });

  it("shows a failed render as a blocking finding", async () => {
    const app = renderFailure({
      ...podinfoRef,
      sourceType: "helm",
      mode: "live",
      failure: { message: "Chart.yaml: apiVersion is required" },
    });
    const body = previewComment({
      ...reportBase,
      apps: [app, await imageAndServiceDiff()].map((a, i) => ({ ...a, app: `app-${i}` })),
    });
    expect(body).toContain("| app-0 | prod / podinfo | helm | +0 ~0 −0 | ❌ render failed |");
    expect(body).toContain("**app-0**: rendering failed");
    expect(body).toContain("Chart.yaml: apiVersion is required");
    expect(expectWellFormed(checkMarkdown(body))).toBeUndefined();
  });

  it("shows Secret key names and byte lengths but never the value or its base64", async () => {
    const values = ["s3cret-plaintext-A", "s3cret-plaintext-B", "ConfigMapApiKey99"];
    const app = await compareLive({
      ...podinfoRef,
      objects: [
        {
          desired: secret({ password: values[1] ?? "" }),
          live: asLive(secret({ password: values[0] ?? "", token: "kept-token-value" })),
          predicted: asLive(secret({ password: values[1] ?? "" })),
        },
        {
          desired: configMap({ api_key: values[2] ?? "" }),
          predicted: asLive(configMap({ api_key: values[2] ?? "" })),
        },
      ],
      inventory: [],
    });
    const body = previewComment({ ...reportBase, apps: [app] });
    const html = previewHtml({ ...reportBase, apps: [app] });
    for (const value of [...values, "kept-token-value"]) {
      const encoded = Buffer.from(value).toString("base64");
      for (const text of [body, html]) {
        expect(text).not.toContain(value);
        expect(text).not.toContain(encoded);
      }
    }
    expect(body).toContain("+  password: ++++++++ (changed, 18 → 18 bytes)");
    expect(body).toContain("-  token: ++++++++ (removed, 16 bytes)");
    expect(body).toContain("+  api_key: ++++++++ (added, 17 bytes)");
    expect(html).toContain("password: ++++++++ (changed, 18 → 18 bytes)");
  });

  it("keeps a 3,000-resource change under GitHub's limit, well formed, with a link to the full preview", async () => {
    const app = await manyResourcesDiff(3000);
    const body = previewComment({
      ...reportBase,
      apps: [app, await imageAndServiceDiff()],
      previewUrl: fullUrl,
    });
    expect(body.length).toBeLessThan(65_536);
    expect(body.length).toBeLessThanOrEqual(60_000);
    expect(expectWellFormed(checkMarkdown(body))).toBeUndefined();
    expect(body).toContain(`[full preview](${fullUrl})`);
    expect(body).toContain("| bulk | prod / podinfo | plain | +3000 ~0 −0 | ✅ dry-run |");
    expect(body).toContain("| podinfo | prod / podinfo | plain | +1 ~1 −0 | ✅ dry-run |");
    expect(body).toMatch(/_\d+ more resources in the full preview\._/);

    const html = previewHtml({ ...reportBase, apps: [app] });
    const listed = new Set(
      [...html.matchAll(/ConfigMap podinfo\/(settings-\d{4}) — added/g)].map((match) => match[1]),
    );
    expect(listed.size).toBe(3000);
    expect(listed).toContain("settings-0000");
    expect(listed).toContain("settings-2999");
  });

  it("cuts an oversized diff at line boundaries and still closes every fence and details", async () => {
    const keys = Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`key-${i}`, `value-${i}`]));
    const app = await compareLive({
      ...podinfoRef,
      objects: [{ desired: configMap(keys), predicted: configMap(keys) }],
      inventory: [],
    });
    const full = previewComment({ ...reportBase, apps: [app], budget: 1_000_000 });
    const cut = previewComment({ ...reportBase, apps: [app], budget: 8_000, previewUrl: fullUrl });
    expect(cut.length).toBeLessThanOrEqual(8_000);
    expect(expectWellFormed(checkMarkdown(cut))).toBeUndefined();
    const fullLines = new Set(full.split("\n"));
    const shown = checkMarkdown(cut).blocks.find((block) => block.language === "diff")?.body ?? [];
    expect(shown.length).toBeGreaterThan(10);
    expect(shown.at(-1)).toMatch(/^… \d+ more lines in the full preview$/);
    for (const line of shown.slice(0, -1)) expect(fullLines.has(line)).toBe(true);
    expect(full).not.toContain("Truncated");
    expect(full.length).toBeGreaterThan(8_000);
  });

  it("uses the GitLab budget for GitLab and a configured budget when given", async () => {
    const app = await manyResourcesDiff(300);
    const github = previewComment({ ...reportBase, apps: [app], budget: 20_000 });
    const gitlab = previewComment({ ...reportBase, forgeType: "gitlab", apps: [app] });
    expect(github.length).toBeLessThanOrEqual(20_000);
    expect(github).toContain("**Truncated**");
    expect(gitlab).not.toContain("**Truncated**");
    expect(gitlab).toContain("settings-0299");
  });

  it("makes fences longer than any backtick run in the content", async () => {
    const app = await compareLive({
      ...podinfoRef,
      objects: [
        {
          desired: configMap({ readme: "use ``` and ```` here" }),
          predicted: configMap({ readme: "use ``` and ```` here" }),
        },
      ],
      inventory: [],
    });
    const body = previewComment({ ...reportBase, apps: [app] });
    expect(body).toContain("`````diff\n");
    const shape = checkMarkdown(body);
    expect(expectWellFormed(shape)).toBeUndefined();
    expect(shape.blocks.find((block) => block.language === "diff")?.body).toContain(
      "+  readme: use ``` and ```` here",
    );
  });

  it("discloses noise filters, ignoreDifferences and masking in the footer", async () => {
    const app = await compareLive(
      {
        ...podinfoRef,
        objects: [
          {
            desired: deployment(newImage),
            live: asLive(deployment(oldImage)),
            predicted: deployment(newImage),
          },
        ],
        inventory: [],
      },
      { ignoreDifferences: [{ kind: "Deployment", jsonPointers: ["/spec/replicas"] }] },
    );
    const body = previewComment({ ...reportBase, apps: [app] });
    expect(body).toContain("metadata.managedFields");
    expect(body).toContain(
      "annotation kubectl.kubernetes.io/last\\-applied\\-configuration".replaceAll("\\-", "-"),
    );
    expect(body).toContain("ignoreDifferences in effect: podinfo: Deployment /spec/replicas");
    expect(body).toContain("Secret values are masked");
  });

  it("is deterministic: the same change in any order gives an identical body", async () => {
    const first = previewComment({
      ...reportBase,
      apps: [await imageAndServiceDiff(), await manyResourcesDiff(5)],
    });
    const second = previewComment({
      ...reportBase,
      apps: [await manyResourcesDiff(5), await imageAndServiceDiff()],
    });
    expect(second).toBe(first);
  });
});
