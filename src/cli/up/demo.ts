// The demo that `ferry up` runs with no configuration: a local deployment repository seeded
// from examples/demo, one app tracking it, a forge that accepts signed webhooks from curl, and
// a cluster (the local control plane unless a kubeconfig is given).
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cp, mkdir, readFile, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { parseConfig } from "../../config/load.ts";
import type { FerryConfig } from "../../config/schema.ts";
import { installRoot } from "../../runtime/install.ts";

const run = promisify(execFile);

export const DEMO_APP = "hello";
export const DEMO_REPO = "demo/deploy";
export const DEMO_FORGE = "demo";

const gitEnv = {
  ...process.env,
  GIT_AUTHOR_NAME: "Ferry demo",
  GIT_AUTHOR_EMAIL: "demo@ferry.invalid",
  GIT_COMMITTER_NAME: "Ferry demo",
  GIT_COMMITTER_EMAIL: "demo@ferry.invalid",
};

/** Creates <dir>/demo-repo as a git repository with examples/demo committed, once. */
export async function seedDemoRepo(dir: string): Promise<string> {
  const repo = join(dir, "demo-repo");
  if (existsSync(join(repo, ".git"))) return repo;
  await mkdir(repo, { recursive: true });
  await cp(join(installRoot, "examples", "demo"), repo, { recursive: true });
  const git = (...args: string[]) => run("git", args, { cwd: repo, env: gitEnv });
  await git("init", "-q", "-b", "main");
  await git("add", "-A");
  await git("commit", "-q", "-m", "Demo app for Ferry");
  return repo;
}

/** A webhook secret kept in the demo dir, so the printed curl keeps working across restarts. */
export async function demoSecret(dir: string): Promise<string> {
  const file = join(dir, "webhook-secret");
  if (existsSync(file)) return (await readFile(file, "utf8")).trim();
  const secret = randomBytes(24).toString("hex");
  await writeFile(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

export interface DemoSettings {
  dir: string;
  repoDir: string;
  redisUrl: string;
  kubeconfig: string;
  context?: string;
  port: number;
  secret: string;
}

export function demoConfig(settings: DemoSettings): FerryConfig {
  return parseConfig({
    redis: { url: settings.redisUrl },
    server: { port: settings.port, host: "127.0.0.1", publicUrl: `http://127.0.0.1:${settings.port}` },
    workDir: join(settings.dir, "work"),
    // No token: the demo forge cannot be called back, so statuses and comments are logged.
    forges: [{ name: DEMO_FORGE, type: "github", webhookSecret: settings.secret }],
    clusters: [
      {
        name: "local",
        kubeconfig: settings.kubeconfig,
        ...(settings.context ? { context: settings.context } : {}),
      },
    ],
    apps: [
      {
        name: DEMO_APP,
        forge: DEMO_FORGE,
        repo: DEMO_REPO,
        repoUrl: settings.repoDir,
        branch: "main",
        path: "apps/hello",
        destination: { cluster: "local", namespace: "hello", createNamespace: true },
        // A short interval so a local commit (no webhook) is picked up within seconds.
        sync: { interval: "5s", healthTimeout: "2m" },
      },
    ],
  });
}

/** What to do next, printed once the demo app is deployed. */
export function nextSteps(settings: DemoSettings): string {
  // A push names the commits it moved the branch between (GitHub's push payload requires
  // `before` and `after`); the printed command reads them from the demo repository.
  const template = JSON.stringify({
    ref: "refs/heads/main",
    before: "%s",
    after: "%s",
    // The file step 2 changes, listed as GitHub lists it in a push.
    commits: [{ added: [], modified: ["apps/hello/deployment.yaml"], removed: [] }],
    repository: { full_name: DEMO_REPO },
  });
  const git = `git -C ${settings.repoDir} rev-parse`;
  return [
    "",
    "Ferry is up. Next:",
    `  1. Open the web UI: http://127.0.0.1:${settings.port}/ui/`,
    `  2. Change the demo app and commit; Ferry notices within 5 s (no webhook needed):`,
    `       cd ${settings.repoDir} && sed -i 's/replicas: 2/replicas: 3/' apps/hello/deployment.yaml && git commit -qam "Scale hello"`,
    `  3. Or simulate the forge's signed push webhook:`,
    `       body=$(printf '${template}' "$(${git} HEAD~1 2>/dev/null || echo ${"0".repeat(40)})" "$(${git} HEAD)")`,
    `       curl -s -w '\\nHTTP %{http_code}\\n' -X POST http://127.0.0.1:${settings.port}/webhooks/${DEMO_FORGE} \\`,
    `         -H 'Content-Type: application/json' -H 'X-GitHub-Event: push' -H "X-GitHub-Delivery: $(date +%s%N)" \\`,
    `         -H "X-Hub-Signature-256: sha256=$(printf %s "$body" | openssl dgst -sha256 -hmac "$(cat ${join(settings.dir, "webhook-secret")})" | sed 's/^.* //')" \\`,
    `         -d "$body"`,
    `  4. Watch it: curl -s http://127.0.0.1:${settings.port}/api/apps/${DEMO_APP}`,
    `       KUBECONFIG=${settings.kubeconfig} kubectl -n hello get deploy,pods`,
    "  Ctrl-C stops Ferry (and the Redis and control plane it started).",
  ].join("\n");
}
