// Preloaded into each Ferry process by the fleet bench when BENCH_MEMORY_DIR is set (`node
// --import bench/memory-probe.js`; JavaScript, so that it does not load Node's TypeScript
// stripper into a process that runs the compiled dist/): every BENCH_MEMORY_MS (default 1000) it appends one JSON line
// to <dir>/<pid>.jsonl with process.memoryUsage() and the V8 heap spaces (used and committed), so
// a process's RSS can be told apart into live heap, heap slack (young generation, fragmentation),
// external buffers and the rest (code, native). SIGUSR2 writes a heap snapshot to the same
// directory (`--heapsnapshot-signal` needs the flag at start; this works with any flags).
import { appendFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { PerformanceObserver } from "node:perf_hooks";
import process from "node:process";
import { setInterval } from "node:timers";
import v8 from "node:v8";

const dir = process.env.BENCH_MEMORY_DIR;
if (dir) {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${process.pid}.jsonl`);
  const MiB = 1 << 20;
  // Main-thread time in garbage collections (scavenges and full GCs), milliseconds.
  let gcMs = 0;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcMs += entry.duration;
  }).observe({ entryTypes: ["gc"] });
  const round = (bytes) => Math.round((bytes / MiB) * 10) / 10;
  const sample = () => {
    const usage = process.memoryUsage();
    const spaces = {};
    for (const space of v8.getHeapSpaceStatistics())
      spaces[space.space_name] = [round(space.space_used_size), round(space.space_size)];
    appendFileSync(
      file,
      `${JSON.stringify({
        t: Date.now(),
        argv: process.argv.slice(2, 3).join(" "),
        rss: round(usage.rss),
        heapTotal: round(usage.heapTotal),
        heapUsed: round(usage.heapUsed),
        external: round(usage.external),
        arrayBuffers: round(usage.arrayBuffers),
        gcMs: Math.round(gcMs),
        cpuS: Math.round(process.cpuUsage().user / 1e4 + process.cpuUsage().system / 1e4) / 100,
        spaces,
      })}\n`,
    );
  };
  sample();
  setInterval(sample, Number(process.env.BENCH_MEMORY_MS ?? 1000)).unref();
  process.on("SIGUSR2", () => {
    const path = v8.writeHeapSnapshot(join(dir, `${process.pid}-${Date.now()}.heapsnapshot`));
    appendFileSync(file, `${JSON.stringify({ t: Date.now(), snapshot: path })}\n`);
  });
}
