// Resources are listed in the order a cluster needs them (the order Helm installs kinds in),
// then by namespace and name, so that the same change always produces the same comment.
import { kindRankOf } from "../kube/kind-order.ts";
import type { ResourceChange } from "./types.ts";

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

type Sortable = Pick<ResourceChange, "kind" | "group" | "name" | "namespace">;

export function compareResources(a: Sortable, b: Sortable): number {
  return (
    kindRankOf(a.kind) - kindRankOf(b.kind) ||
    compareText(a.kind, b.kind) ||
    compareText(a.namespace ?? "", b.namespace ?? "") ||
    compareText(a.name, b.name) ||
    compareText(a.group, b.group)
  );
}
