// Repositories written to hurt: every one is refused with a clear error and nothing escapes.
import { mkdir, mkdtemp, rm, symlink, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AppError, type ErrorCode } from "../../../src/errors.ts";
import { memoryLimitAvailable } from "../../../src/render/exec.ts";
import { render } from "./helpers.ts";

const chartYaml = (more = "") => `apiVersion: v2\nname: evil\nversion: 0.1.0\n${more}`;
const cm = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n`;

describe("hostile repositories", () => {
  let root: string;
  const files = async (entries: Record<string, string>) => {
    for (const [path, content] of Object.entries(entries)) {
      await mkdir(dirname(join(root, path)), { recursive: true });
      await writeFile(join(root, path), content);
    }
  };
  const refused = async (promise: Promise<unknown>, code: ErrorCode, message: RegExp) => {
    const error = await promise.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code, (error as AppError).message).toBe(code);
    expect((error as AppError).message).toMatch(message);
  };

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), "ferry-hostile-"));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("refuses app paths, value files and kustomize resources that climb out or are absolute", async () => {
    await files({
      "apps/web/cm.yaml": cm("a"),
      "charts/c/Chart.yaml": chartYaml(),
      "overlays/x/kustomization.yaml": "resources: [../../../../../etc]\n",
      "overlays/abs/kustomization.yaml": "resources: [/etc/kubernetes]\n",
    });
    await refused(
      render(root, "../../etc"),
      "PATH_ESCAPE",
      /app path \.\.\/\.\.\/etc is refused: it points outside/,
    );
    await refused(render(root, "/etc"), "PATH_ESCAPE", /absolute paths are not allowed/);
    await refused(
      render(root, "charts/c", { valueFiles: ["../../../../etc/passwd"] }),
      "PATH_ESCAPE",
      /value file/,
    );
    await refused(
      render(root, "overlays/x"),
      "PATH_ESCAPE",
      /kustomize resources \.\.\/\.\.\/\.\.\/\.\.\/\.\.\/etc is refused/,
    );
    await refused(render(root, "overlays/abs"), "PATH_ESCAPE", /absolute paths are not allowed/);
  });

  it("refuses symlinks to /etc in plain directories, charts, kustomizations and as the app path", async () => {
    await files({
      "plain/cm.yaml": cm("a"),
      "charts/c/Chart.yaml": chartYaml(),
      "charts/c/templates/cm.yaml": cm("b"),
    });
    await symlink("/etc/hostname", join(root, "plain/host.yaml"));
    await symlink("/etc", join(root, "etc-link"));
    await symlink("/etc/passwd", join(root, "charts/c/files.txt"));
    await files({ "k/kustomization.yaml": "resources: [passwd.yaml]\n" });
    await symlink("/etc/passwd", join(root, "k/passwd.yaml"));
    await refused(
      render(root, "plain"),
      "PATH_ESCAPE",
      /manifest file plain\/host\.yaml is refused: it is a symlink to a place outside/,
    );
    await refused(render(root, "etc-link"), "PATH_ESCAPE", /app path etc-link is refused: it is a symlink/);
    await refused(render(root, "charts/c"), "PATH_ESCAPE", /chart file charts\/c\/files\.txt is refused/);
    await refused(render(root, "k"), "PATH_ESCAPE", /kustomize resources passwd\.yaml is refused/);
  });

  it("refuses a chart whose dependency would need a download, and renders a vendored one", async () => {
    await files({
      "charts/c/Chart.yaml": chartYaml(
        "dependencies:\n  - name: redis\n    version: 20.0.0\n    repository: https://charts.bitnami.com/bitnami\n",
      ),
      "charts/c/templates/cm.yaml": cm("c"),
    });
    await refused(
      render(root, "charts/c"),
      "RENDER_FAILED",
      /dependency "redis" from https:\/\/charts\.bitnami\.com\/bitnami is not vendored in charts\/.*helm dependency build/,
    );
    await files({
      "charts/c/charts/redis/Chart.yaml": "apiVersion: v2\nname: redis\nversion: 20.0.0\n",
      "charts/c/charts/redis/templates/cm.yaml": cm("redis"),
    });
    const result = await render(root, "charts/c");
    expect(result.objects.map((object) => object.metadata.name).sort()).toEqual(["c", "redis"]);
  });

  it("refuses exec and function plugins, helm charts and remote bases in kustomizations", async () => {
    await files({
      "exec/kustomization.yaml": "resources: [cm.yaml]\ntransformers: [plugin.yaml]\n",
      "exec/cm.yaml": cm("a"),
      "exec/plugin.yaml":
        "apiVersion: example.com/v1\nkind: Evil\nmetadata:\n  name: evil\n  annotations:\n    config.kubernetes.io/function: |\n      exec:\n        path: /bin/sh\n",
      "inline/kustomization.yaml":
        "generators:\n  - |\n    apiVersion: acme/v1\n    kind: Gen\n    metadata:\n      name: g\n",
      "builtin/kustomization.yaml": "resources: [cm.yaml]\ntransformers: [prefix.yaml]\n",
      "builtin/cm.yaml": cm("a"),
      "builtin/prefix.yaml":
        "apiVersion: builtin\nkind: PrefixSuffixTransformer\nmetadata:\n  name: p\nprefix: x-\nfieldSpecs: [{path: metadata/name}]\n",
      "remote/kustomization.yaml": "resources: [github.com/acme/base?ref=v1]\n",
      "helmc/kustomization.yaml": "helmCharts: [{name: redis, repo: https://charts.example.com}]\n",
    });
    await refused(
      render(root, "exec"),
      "RENDER_FAILED",
      /exec\/plugin\.yaml: Evil evil is an exec\/function plugin/,
    );
    await refused(render(root, "inline"), "RENDER_FAILED", /Gen g is an exec\/function plugin/);
    await refused(
      render(root, "remote"),
      "RENDER_FAILED",
      /resources github\.com\/acme\/base\?ref=v1 is remote/,
    );
    await refused(render(root, "helmc"), "RENDER_FAILED", /helmCharts is not supported/);
    const builtin = await render(root, "builtin");
    expect(builtin.objects.map((object) => object.metadata.name)).toEqual(["x-a"]);
  });

  it("stops oversized output: a 200 MB plain file unread, a helm chart past the cap killed", async () => {
    await files({ "big/cm.yaml": cm("a") });
    await truncate(join(root, "big/cm.yaml"), 200 << 20); // sparse: costs no disk
    await refused(render(root, "big"), "RENDER_TOO_LARGE", /the manifests of big exceed 67108864 bytes/);
    await files({
      "charts/big/Chart.yaml": chartYaml(),
      "charts/big/templates/big.yaml": `{{- range $i := until 40 }}\n---\n${cm("big-{{ $i }}")}data:\n  x: {{ repeat 65536 "x" | quote }}\n{{- end }}\n`,
    });
    await refused(
      render(root, "charts/big", {}, { maxOutputBytes: 1 << 20 }),
      "RENDER_TOO_LARGE",
      /helm template printed more than 1048576 bytes/,
    );
  });

  it("times out a template that never ends", async () => {
    await files({
      "charts/loop/Chart.yaml": chartYaml(),
      "charts/loop/templates/loop.yaml":
        "{{- range until 100000 }}{{- range until 100000 }}{{- end }}{{- end }}\n",
    });
    await refused(
      render(root, "charts/loop", {}, { timeoutMs: 1_500 }),
      "RENDER_TIMEOUT",
      /helm template did not finish within 1500 ms/,
    );
  });

  it("names the file and line of invalid YAML", async () => {
    await files({ "apps/web/a.yaml": cm("a"), "apps/web/b.yaml": `${cm("b")}data:\n  key: [unclosed\n` });
    await refused(render(root, "apps/web"), "MANIFEST_INVALID", /^apps\/web\/b\.yaml:\d+: invalid YAML/);
    await files({
      "charts/bad/Chart.yaml": chartYaml(),
      "charts/bad/templates/cm.yaml": `${cm("x")}data:\n  k: "{{ "unclosed" }}\n`,
    });
    // helm checks its own output first; its message names the template and line
    await refused(
      render(root, "charts/bad"),
      "RENDER_FAILED",
      /YAML parse error on evil\/templates\/cm\.yaml.*line \d+/,
    );
    await files({
      "charts/noname/Chart.yaml": chartYaml(),
      "charts/noname/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n",
    });
    await refused(
      render(root, "charts/noname"),
      "MANIFEST_INVALID",
      /^charts\/noname: evil\/templates\/cm\.yaml: ConfigMap has no metadata\.name$/,
    );
  });

  it("never merges a file without a trailing separator into the next one", async () => {
    await files({ "apps/web/a.yaml": `${cm("a")}data:\n  x: "1"`, "apps/web/b.yaml": `data:\n  y: "2"\n` });
    await refused(render(root, "apps/web"), "MANIFEST_INVALID", /^apps\/web\/b\.yaml: has no apiVersion$/);
    await files({ "apps/web/b.yaml": cm("b") });
    const result = await render(root, "apps/web");
    expect(result.objects.map((object) => [object.metadata.name, object.data])).toEqual([
      ["a", { x: "1" }],
      ["b", undefined],
    ]);
  });

  it("stops a chart that allocates past the render memory limit, reported like a timeout", async () => {
    // A real helm: the template asks for a 3 GB string, over the 2 GiB RLIMIT_AS prlimit gives
    // every render, so the Go runtime's allocation fails at once (nothing is allocated).
    expect(memoryLimitAvailable).toBe(true);
    await files({
      "charts/hog/Chart.yaml": chartYaml(),
      "charts/hog/templates/cm.yaml": `${cm("hog")}data:\n  size: "{{ repeat 3000000000 "x" | len }}"\n`,
    });
    await refused(
      render(root, "charts/hog"),
      "RENDER_OUT_OF_MEMORY",
      /^helm template needed more than 2048 MiB of memory; stopped it$/,
    );
  });
});
