// The V8 flags every Ferry process runs with (the `ferry` bin's shebang, `npm run ferry`, the
// image's ENTRYPOINT and the fleet bench; test/unit/runtime/node-flags.test.ts keeps them equal).
//
// --max-semi-space-size: Node 24 lets V8 grow the young generation to 2 × 64 MiB once a process
// allocates steadily (a worker parsing manifests, a receiver answering /api/apps), and those
// pages stay resident: measured at 100 apps, 128 MiB of each process's RSS was young generation
// holding a few MiB of live objects. 8 MiB semi-spaces (16 MiB young generation) cut the peak
// RSS of the receiver from 218 to 182 MiB and of the worker from 313 to 236 MiB in the fleet
// bench, with no more CPU: Ferry's short-lived objects (responses, parsed YAML) die young either
// way, so scavenges stay cheap.
//
// --heap-growing-percent=50 and --external-memory-accounted-in-global-limit: after a full GC V8
// lets the old generation grow to up to 4 × what survived before the next one (on a machine with
// gigabytes to spare), and lets Buffers' memory outside the heap grow by 64 MiB whatever the
// heap's size. Ferry's processes hold 20–35 MiB of live objects, but a fleet deploy promotes
// garbage steadily (responses and buffers alive across an await), so the worker's old generation
// reached 83–88 MiB and its Buffers 40–64 MiB between full GCs, the receiver's old generation
// 110 MiB for 22 MiB live. Growing by 50 % at most, with Buffers counted in the same limit, cut
// the peak RSS at 300 apps from 224–232 to 166–171 MiB (worker) and 204–207 to 132–135 MiB
// (receiver), with no measurable CPU cost (the live heap is small, so the extra full GCs are
// cheap: main-thread GC time 1.8 s against 2.0 s in the worker; bench/README.md, Fleet, session
// 7). --optimize-for-size cut more (133 / 109 MiB) but cost the worker ≈ 25 % more CPU.
export const NODE_FLAGS = [
  "--max-semi-space-size=8",
  "--heap-growing-percent=50",
  "--external-memory-accounted-in-global-limit",
] as const;
