// Line diffs off the event loop. A worker (piscina) runs every diff that is not trivially
// small, so a preview with a huge ConfigMap never stalls the process that also renews BullMQ
// job locks and answers /healthz. The pool keeps one thread (the workers run one preview at a
// time on small machines), lets it go when idle, and caps its heap.
import { Piscina } from "piscina";
import { siblingModule } from "../runtime/install.ts";
import { DIFF_BUDGET, lineCount, lineDiff, type DiffBudget, type UnifiedDiff } from "./unified.ts";

/** Up to this many lines (both sides) a diff costs well under a millisecond: run it here. */
export const INLINE_DIFF_LINES = 1_000;

let pool: Piscina | undefined;

function diffPool(): Piscina {
  pool ??= new Piscina({
    // diff-worker.ts from src/, diff-worker.js from dist/ (the compiler does not see this name).
    filename: siblingModule(import.meta.url, "diff-worker").href,
    minThreads: 0,
    maxThreads: 1,
    idleTimeout: 10_000,
    // The budget bounds the time; this bounds the memory of a diff that still fits in it.
    resourceLimits: { maxOldGenerationSizeMb: 512 },
  });
  return pool;
}

/** The unified diff of two YAML texts, on a worker thread unless it is small. */
export async function diffTexts(
  before: string,
  after: string,
  budget: DiffBudget = DIFF_BUDGET,
): Promise<UnifiedDiff> {
  if (lineCount(before) + lineCount(after) <= INLINE_DIFF_LINES) return lineDiff(before, after, budget);
  return (await diffPool().run({ before, after, budget })) as UnifiedDiff;
}

/** Stops the worker thread (tests and shutdown); the next diff starts a new one. */
export async function closeDiffPool(): Promise<void> {
  const current = pool;
  pool = undefined;
  await current?.destroy();
}
