// `ferry health -o json -` on a stream of BENCH_OBJECTS (default 1,000) objects, as a person
// runs it: a new process each time, the stream on stdin, JSON on stdout. The stream cycles
// through the documented examples (test/fixtures/health: core kinds, every built-in operator's
// custom resources, generic custom resources), each renamed so that every object is distinct.
// The reference, in the same run, is the floor of any such command: a child node process that
// only parses the same stream with js-yaml (the parser Ferry uses) and prints it as JSON.
// BENCH_ROUNDS (default 7) rounds alternate Ferry and the reference; medians and their ratio
// are reported, with an empty stream too (start-up alone). The target: under 2 s for
// 1,000 objects. Every round's output is checked against the examples' expected statuses.
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as yaml from "js-yaml";
import { allHealthExamples, EXPECT, type HealthExample } from "../test/support/health-fixtures.ts";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const count = Number(process.env.BENCH_OBJECTS ?? 1_000);
const rounds = Number(process.env.BENCH_ROUNDS ?? 7);
const cli = join(root, "src", "cli", "main.ts");

const reference = `
import { text } from "node:stream/consumers";
import * as yaml from "js-yaml";
const documents = yaml.loadAll(await text(process.stdin)).filter((document) => document != null);
process.stdout.write(JSON.stringify(documents, null, 2) + "\\n");
`;

/** BENCH_OBJECTS objects cycled from the examples, without their expectation annotations. */
function stream(examples: HealthExample[]): { text: string; expected: string[] } {
  const documents: string[] = [];
  const expected: string[] = [];
  for (let i = 0; i < count; i++) {
    const example = examples[i % examples.length];
    if (!example) throw new Error("test/fixtures/health has no examples");
    const object = structuredClone(example.object);
    const annotations = { ...object.metadata.annotations };
    for (const key of Object.values(EXPECT)) delete annotations[key];
    object.metadata = { ...object.metadata, name: `${object.metadata.name}-${i}`, annotations };
    documents.push(yaml.dump(object, { noRefs: true }));
    expected.push(example.status);
  }
  return { text: documents.join("---\n"), expected };
}

/** Runs one child with `input` on stdin; its wall time (spawn to exit) and stdout. */
function run(args: string[], input: string): Promise<{ ms: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { cwd: root, stdio: ["pipe", "pipe", "inherit"] });
    const chunks: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      const ms = performance.now() - started;
      if (code !== 0) reject(new Error(`${args.join(" ")} exited ${code}`));
      else resolve({ ms, stdout: Buffer.concat(chunks).toString("utf8") });
    });
    child.stdin.end(input);
  });
}

const ferry = (input: string) => run([cli, "health", "-o", "json", "-"], input);
const bare = (input: string) => run(["--input-type=module", "-e", reference], input);

function checkFerry(stdout: string, expected: string[]): void {
  const reports = JSON.parse(stdout) as Array<{ name: string; status: string }>;
  if (reports.length !== expected.length) throw new Error(`ferry health judged ${reports.length} objects`);
  reports.forEach((report, index) => {
    if (report.status !== expected[index])
      throw new Error(`${report.name}: ${report.status}, the example says ${expected[index]}`);
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

const examples = allHealthExamples();
const { text, expected } = stream(examples);
// One unmeasured run each: the first start reads every module from disk.
checkFerry((await ferry(text)).stdout, expected);
await bare(text);

const times = {
  ferry: [] as number[],
  reference: [] as number[],
  ferryEmpty: [] as number[],
  referenceEmpty: [] as number[],
};
async function measureFerry(input: string, into: number[]): Promise<void> {
  const { ms, stdout } = await ferry(input);
  if (input !== "") checkFerry(stdout, expected);
  into.push(ms);
}
async function measureReference(input: string, into: number[]): Promise<void> {
  into.push((await bare(input)).ms);
}

for (let round = 0; round < rounds; round++) {
  // Alternate the order so that neither side always runs right after the other.
  if (round % 2 === 0) {
    await measureFerry(text, times.ferry);
    await measureReference(text, times.reference);
  } else {
    await measureReference(text, times.reference);
    await measureFerry(text, times.ferry);
  }
  await measureFerry("", times.ferryEmpty);
  await measureReference("", times.referenceEmpty);
}

const medians = {
  ferryMs: median(times.ferry),
  referenceMs: median(times.reference),
  ferryEmptyMs: median(times.ferryEmpty),
  referenceEmptyMs: median(times.referenceEmpty),
};
const ratio = medians.ferryMs / medians.referenceMs;
console.log(
  `${count} objects (${examples.length} examples cycled, ${Buffer.byteLength(text)} bytes), ${rounds} rounds\n`,
);
console.log("| median wall time, new process each | ferry health -o json - | js-yaml → JSON reference |");
console.log("|---|---:|---:|");
console.log(`| ${count} objects | ${medians.ferryMs.toFixed(0)} ms | ${medians.referenceMs.toFixed(0)} ms |`);
console.log(
  `| empty stream (start-up) | ${medians.ferryEmptyMs.toFixed(0)} ms | ${medians.referenceEmptyMs.toFixed(0)} ms |`,
);
console.log(`\nferry / reference = ${ratio.toFixed(2)}; target: ferry under 2,000 ms for 1,000 objects`);
mkdirSync(join(here, "results"), { recursive: true });
writeFileSync(
  join(here, "results", "health.json"),
  `${JSON.stringify({ objects: count, rounds, bytes: Buffer.byteLength(text), ...medians, ratio, times }, null, 2)}\n`,
);
