// Counts of the outbound calls whose number grows with the apps a worker serves: Kubernetes API
// requests (by verb) and external tool runs (git, helm, kustomize, by tool). They are plain
// module-level counts because the callers (src/kube/request.ts, src/render/exec.ts) have no
// registry; registerCallCounts exposes them on a worker's /metrics, where the fleet bench reads
// them to report requests and runs per app.
import { Counter, type Registry } from "prom-client";

const kubeRequests = new Map<string, number>();
const toolRuns = new Map<string, number>();

const bump = (counts: Map<string, number>, key: string) => counts.set(key, (counts.get(key) ?? 0) + 1);

export const countKubeRequest = (verb: string): void => void bump(kubeRequests, verb);
export const countToolRun = (tool: string): void => void bump(toolRuns, tool);

function exposed(registry: Registry, name: string, help: string, label: string, counts: Map<string, number>) {
  if (registry.getSingleMetric(name)) return;
  new Counter({
    name,
    help,
    labelNames: [label],
    registers: [registry],
    collect() {
      this.reset();
      for (const [key, count] of counts) this.inc({ [label]: key }, count);
    },
  });
}

/** Registers ferry_kube_requests_total and ferry_tool_runs_total on `registry` (once). */
export function registerCallCounts(registry: Registry): void {
  exposed(
    registry,
    "ferry_kube_requests_total",
    "Requests sent to Kubernetes API servers, by verb",
    "verb",
    kubeRequests,
  );
  exposed(
    registry,
    "ferry_tool_runs_total",
    "External tools run (git, helm, kustomize), by tool",
    "tool",
    toolRuns,
  );
}
