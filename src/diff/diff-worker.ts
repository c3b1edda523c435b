// The worker thread's side of diff-pool.ts: one line diff per task, within its budget.
import { lineDiff, type DiffBudget, type UnifiedDiff } from "./unified.ts";

export default function diffTask(task: { before: string; after: string; budget: DiffBudget }): UnifiedDiff {
  return lineDiff(task.before, task.after, task.budget);
}
