// Rendering a 1,000-app monorepo: (1) a one-file commit — fetch, checkout, changed paths, find
// the touched apps, render them — while everything else is cached; (2) cold render throughput
// on a sample, against helm/kubectl called by a plain shell loop over the same apps; (3) the
// three ways to check a commit out, to back the choice made in src/git/service.ts.
import { execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { pino } from "pino";
import { Registry } from "prom-client";
import { sourceSchema } from "../src/config/schema.ts";
import { CliGitService } from "../src/git/service.ts";
import { toolPath } from "../src/render/binaries.ts";
import { RenderCache, renderApp, touchedApps } from "../src/render/index.ts";
import { StateSeal } from "../src/state/seal.ts";
import { createRepo } from "../test/support/git.ts";
import { startRedis } from "../test/support/redis.ts";

const here = dirname(fileURLToPath(import.meta.url));
const counts = { plain: 600, kustomize: 380, helm: 20 };
const SAMPLE = 100;

const deployment = (name: string) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\nspec:\n  replicas: 1\n  selector:\n    matchLabels: {app: ${name}}\n  template:\n    metadata:\n      labels: {app: ${name}}\n    spec:\n      containers:\n        - name: main\n          image: ghcr.io/acme/${name}:1.0.0\n          ports: [{containerPort: 8080}]\n`;
const service = (name: string) =>
  `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\nspec:\n  selector: {app: ${name}}\n  ports: [{port: 80, targetPort: 8080}]\n`;

interface BenchApp {
  name: string;
  type: "plain" | "kustomize" | "helm";
  path: string;
}

function monorepoFiles(): { files: Record<string, string>; apps: BenchApp[] } {
  const files: Record<string, string> = {};
  const apps: BenchApp[] = [];
  for (let base = 0; base < 10; base++) {
    files[`bases/base-${base}/kustomization.yaml`] = "resources: [deployment.yaml, service.yaml]\n";
    files[`bases/base-${base}/deployment.yaml`] = deployment(`svc${base}`);
    files[`bases/base-${base}/service.yaml`] = service(`svc${base}`);
  }
  for (let i = 0; i < counts.plain; i++) {
    files[`apps/plain-${i}/deployment.yaml`] = deployment(`plain-${i}`);
    files[`apps/plain-${i}/service.yaml`] = service(`plain-${i}`);
    apps.push({ name: `plain-${i}`, type: "plain", path: `apps/plain-${i}` });
  }
  for (let i = 0; i < counts.kustomize; i++) {
    files[`apps/kust-${i}/kustomization.yaml`] =
      `resources: [../../bases/base-${i % 10}]\nnamePrefix: k${i}-\nlabels: [{pairs: {team: t${i % 7}}}]\n`;
    apps.push({ name: `kust-${i}`, type: "kustomize", path: `apps/kust-${i}` });
  }
  for (let i = 0; i < counts.helm; i++) {
    files[`apps/helm-${i}/Chart.yaml`] = `apiVersion: v2\nname: helm-${i}\nversion: 0.1.0\n`;
    files[`apps/helm-${i}/values.yaml`] = "replicas: 2\nimage: ghcr.io/acme/web:1.0.0\n";
    files[`apps/helm-${i}/templates/deployment.yaml`] = deployment("{{ .Release.Name }}").replace(
      "replicas: 1",
      "replicas: {{ .Values.replicas }}",
    );
    files[`apps/helm-${i}/templates/service.yaml`] = service("{{ .Release.Name }}");
    apps.push({ name: `helm-${i}`, type: "helm", path: `apps/helm-${i}` });
  }
  return { files, apps };
}

const appConfig = (app: BenchApp) => ({
  name: app.name,
  path: app.path,
  source: sourceSchema.parse({}),
  destination: { cluster: "bench", namespace: "bench", createNamespace: false },
});

const seconds = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

function sampleOf(apps: BenchApp[]): BenchApp[] {
  // proportional: 60 plain, 38 kustomize, 2 helm
  const pick = (type: BenchApp["type"], n: number) => apps.filter((app) => app.type === type).slice(0, n);
  return [...pick("plain", 60), ...pick("kustomize", 38), ...pick("helm", 2)];
}

function shellReference(root: string, sample: BenchApp[]): number {
  const lines = sample.map((app) => {
    const dir = join(root, app.path);
    if (app.type === "helm")
      return `"${toolPath("helm")}" template ${app.name} "${dir}" --namespace bench >/dev/null`;
    if (app.type === "kustomize") return `"${toolPath("kubectl")}" kustomize "${dir}" >/dev/null`;
    return `cat "${dir}"/*.yaml >/dev/null`;
  });
  const start = process.hrtime.bigint();
  execFileSync("sh", ["-c", `set -e\n${lines.join("\n")}`], {
    env: { PATH: process.env.PATH, HOME: tmpdir() },
  });
  return seconds(start);
}

async function main(): Promise<void> {
  const redisServer = await startRedis();
  const redis = new Redis(redisServer.url);
  const { files, apps } = monorepoFiles();
  const repo = await createRepo(files);
  const cacheDir = await mkdtemp(join(tmpdir(), "ferry-bench-render-"));
  const gitService = new CliGitService({ cacheDir, attempts: 1 });
  const location = { repo: "acme/monorepo", url: repo.dir };
  const registry = new Registry();
  const seal = new StateSeal([StateSeal.generateKey()], { registry, logger: pino({ level: "silent" }) });
  const cache = new RenderCache({ redis, registry, seal, prefix: `bench-${process.pid}` });
  const results: Record<string, number | string> = { apps: apps.length, sample: SAMPLE };
  try {
    const sha0 = await repo.head();
    let start = process.hrtime.bigint();
    const checkout0 = await gitService.checkout(location, sha0);
    results.firstCloneAndCheckoutSeconds = seconds(start);

    // Cold throughput on a sample, Ferry first, then the shell loop over the same directories.
    const sample = sampleOf(apps);
    start = process.hrtime.bigint();
    for (const app of sample)
      await renderApp({
        checkoutDir: checkout0.dir,
        app: appConfig(app),
        git: { service: gitService, location, sha: sha0 },
        cache,
      });
    results.coldSampleSeconds = seconds(start);
    results.coldAppsPerSecond = SAMPLE / results.coldSampleSeconds;
    results.referenceSampleSeconds = shellReference(checkout0.dir, sample);
    results.referenceAppsPerSecond = SAMPLE / results.referenceSampleSeconds;

    // Fill the cache with the rest (not timed as a figure of merit, but reported).
    start = process.hrtime.bigint();
    for (const app of apps)
      await renderApp({
        checkoutDir: checkout0.dir,
        app: appConfig(app),
        git: { service: gitService, location, sha: sha0 },
        cache,
      });
    results.fillAllSeconds = seconds(start);
    await checkout0.cleanup();

    for (const [label, path] of [
      ["oneApp", "apps/plain-7/deployment.yaml"],
      ["sharedBase", "bases/base-3/deployment.yaml"],
    ] as const) {
      const before = await repo.head();
      await repo.write({ [path]: files[path]!.replace("replicas: 1", "replicas: 3") });
      const after = await repo.commit(`bench: ${label}`);
      start = process.hrtime.bigint();
      const checkout = await gitService.checkout(location, after); // includes the fetch
      const tCheckout = seconds(start);
      const changed = await gitService.changedPaths(location, before, after);
      const touched = await touchedApps(apps.map(appConfig), changed, { head: checkout.dir });
      const tFind = seconds(start);
      let hits = 0;
      for (const app of touched) {
        const result = await renderApp({
          checkoutDir: checkout.dir,
          app,
          git: { service: gitService, location, sha: after },
          cache,
        });
        if (result.cacheHit) hits++;
      }
      results[`${label}TouchedApps`] = touched.length;
      results[`${label}CacheHitsAmongTouched`] = hits;
      results[`${label}FetchCheckoutSeconds`] = tCheckout;
      results[`${label}FindSeconds`] = tFind - tCheckout;
      results[`${label}TotalSeconds`] = seconds(start);
      // Every other app would be a cache hit: verify that on the whole set once (timed apart).
      start = process.hrtime.bigint();
      let allHits = 0;
      for (const app of apps) {
        const result = await renderApp({
          checkoutDir: checkout.dir,
          app: appConfig(app),
          git: { service: gitService, location, sha: after },
          cache,
        });
        if (result.cacheHit) allHits++;
      }
      results[`${label}AllAppsLookupSeconds`] = seconds(start);
      results[`${label}AllAppsHits`] = allHits;
      await checkout.cleanup();
    }

    Object.assign(results, await checkoutMethods(gitService.mirrorDir(location), await repo.head()));
  } finally {
    redis.disconnect();
    await redisServer.stop();
    await repo.cleanup();
    await rm(cacheDir, { recursive: true, force: true });
  }
  await report(results);
}

/** read-tree -u into a private index (Ferry) vs git archive | tar vs git worktree add, median of 5. */
async function checkoutMethods(gitDir: string, sha: string): Promise<Record<string, number>> {
  const scratch = await mkdtemp(join(tmpdir(), "ferry-bench-co-"));
  const env = { PATH: process.env.PATH, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null" };
  const methods: Record<string, (dir: string) => void> = {
    readTree: (dir) =>
      execFileSync(
        "git",
        ["--git-dir", gitDir, "--work-tree", dir, "read-tree", "--reset", "-u", `${sha}^{tree}`],
        {
          env: { ...env, GIT_INDEX_FILE: `${dir}.index` },
        },
      ),
    archiveTar: (dir) =>
      execFileSync("sh", ["-c", `git --git-dir="$1" archive "$2" | tar -x -C "$3"`, "sh", gitDir, sha, dir], {
        env,
      }),
    worktree: (dir) => {
      execFileSync("git", ["--git-dir", gitDir, "worktree", "add", "-q", "--detach", dir, sha], { env });
      execFileSync("git", ["--git-dir", gitDir, "worktree", "remove", "--force", dir], { env });
    },
  };
  const out: Record<string, number> = {};
  try {
    for (const [name, method] of Object.entries(methods)) {
      const times: number[] = [];
      for (let i = 0; i < 5; i++) {
        const dir = join(scratch, `${name}-${i}`);
        if (name !== "worktree") await mkdir(dir);
        const start = process.hrtime.bigint();
        method(dir);
        times.push(seconds(start));
      }
      out[`checkout_${name}_seconds`] = median(times);
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  return out;
}

async function report(r: Record<string, number | string>): Promise<void> {
  const f = (value: number | string | undefined, digits = 3) =>
    typeof value === "number" ? value.toFixed(digits) : String(value);
  const rows = [
    ["one-file commit, 1 app touched: fetch + checkout", `${f(r.oneAppFetchCheckoutSeconds)} s`],
    ["… find touched apps (changed paths + inputs of 1,000 apps)", `${f(r.oneAppFindSeconds)} s`],
    [`… total incl. render of ${r.oneAppTouchedApps} touched app(s)`, `${f(r.oneAppTotalSeconds)} s`],
    [
      `shared-base commit, ${r.sharedBaseTouchedApps} apps touched: total`,
      `${f(r.sharedBaseTotalSeconds)} s`,
    ],
    [
      `cache lookup of all 1,000 apps after the commit (${r.oneAppAllAppsHits} hits)`,
      `${f(r.oneAppAllAppsLookupSeconds)} s`,
    ],
    [
      `cold render, sample of ${r.sample} apps (60 plain, 38 kustomize, 2 helm): Ferry`,
      `${f(r.coldAppsPerSecond, 1)} apps/s`,
    ],
    [
      "cold render, same apps: shell loop of kubectl kustomize / helm template / cat",
      `${f(r.referenceAppsPerSecond, 1)} apps/s`,
    ],
    ["fill the cache with all 1,000 apps (Ferry, sequential)", `${f(r.fillAllSeconds, 1)} s`],
    [
      "checkout of the monorepo: read-tree -u (Ferry) / archive|tar / worktree add",
      `${f(r.checkout_readTree_seconds)} / ${f(r.checkout_archiveTar_seconds)} / ${f(r.checkout_worktree_seconds)} s`,
    ],
  ];
  console.log("| Rendering (1,000-app monorepo) | result |\n|---|---|");
  for (const [label, value] of rows) console.log(`| ${label} | ${value} |`);
  await mkdir(join(here, "results"), { recursive: true });
  await writeFile(join(here, "results", "render.json"), JSON.stringify(r, null, 2) + "\n");
}

await main();
