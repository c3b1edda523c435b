// Runs the benchmarks one after another (they must not compete for the two cores):
// `npm run bench` runs all of bench/*.bench.ts, `npm run bench -- webhooks` only the ones whose
// name contains "webhooks". Each benchmark runs Ferry and its plain reference in the same
// process run, prints a markdown table, and writes bench/results/<name>.json.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2);
const files = readdirSync(here)
  .filter((file) => file.endsWith(".bench.ts"))
  .filter((file) => filters.length === 0 || filters.some((filter) => file.includes(filter)))
  .sort();

if (files.length === 0) {
  console.error(`no benchmark matches ${filters.join(", ")}`);
  process.exit(2);
}
let failed = 0;
for (const file of files) {
  console.log(`\n## ${file}\n`);
  const result = spawnSync(process.execPath, [join(here, file)], { stdio: "inherit" });
  if (result.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
