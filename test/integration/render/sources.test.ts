// Where rendered objects are defined (src/render/source.ts), on a chart of our own
// (test/fixtures/charts/shop): a template with comment lines above its kind, a two-document
// template whose second document is conditional, and a subchart vendored under charts/cache
// that the parent calls `sessions` (an alias, so helm's `# Source:` names a directory that does
// not exist). The expected lines are read from the template files, not written down.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { withoutSource, type KubeObject } from "../../../src/kube/types.ts";
import { installRoot } from "../../../src/runtime/install.ts";
import { sourceOf } from "../../../src/render/source.ts";
import { render } from "./helpers.ts";

const chart = "test/fixtures/charts/shop";

/** The 1-based line of the `nth` top-level `kind: <kind>` in a file of the repository. */
function kindLine(path: string, kind: string, nth = 0): number {
  const lines = readFileSync(join(installRoot, path), "utf8").split("\n");
  const found = lines.flatMap((line, index) => (line === `kind: ${kind}` ? [index + 1] : []));
  if (found[nth] === undefined) throw new Error(`no kind: ${kind} in ${path}`);
  return found[nth];
}

function byName(objects: KubeObject[], kind: string, name: string) {
  return objects.find((object) => object.kind === kind && object.metadata.name === name);
}

describe("render source locations", () => {
  it("points each Helm object at its template, subcharts by their directory, at the line of its kind", async () => {
    const { objects } = await render(installRoot, chart, {}, {});
    const at = (kind: string, name: string) => sourceOf(byName(objects, kind, name));
    const deployment = `${chart}/templates/deployment.yaml`;
    const settings = `${chart}/templates/settings.yaml`;
    const subchart = `${chart}/charts/cache/templates/configmap.yaml`;
    expect(at("Deployment", "web-web")).toEqual({
      path: deployment,
      line: kindLine(deployment, "Deployment"),
    });
    expect(at("ConfigMap", "web-settings")).toEqual({
      path: settings,
      line: kindLine(settings, "ConfigMap"),
    });
    expect(at("Service", "web-web")).toEqual({ path: settings, line: kindLine(settings, "Service") });
    expect(at("ConfigMap", "web-sessions")).toEqual({
      path: subchart,
      line: kindLine(subchart, "ConfigMap"),
    });
    // The comment and template lines above them: the kind's line is not the document's first.
    expect(kindLine(deployment, "Deployment")).toBeGreaterThan(1);
    expect(kindLine(subchart, "ConfigMap")).toBeGreaterThan(1);
    expect(objects.every((object) => sourceOf(object) !== undefined)).toBe(true);
  });

  it("keeps the location out of what reaches a cluster", async () => {
    const { objects } = await render(installRoot, chart);
    const stripped = objects.map(withoutSource);
    expect(stripped.every((object) => sourceOf(object) === undefined)).toBe(true);
    expect(stripped.map((object) => object.metadata.name)).toEqual(
      objects.map((object) => object.metadata.name),
    );
  });
});
