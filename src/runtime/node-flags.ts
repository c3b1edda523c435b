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
export const NODE_FLAGS = ["--max-semi-space-size=8"] as const;
