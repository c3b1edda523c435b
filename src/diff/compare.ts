// Compares what Git wants with what the cluster has (or with what the base commit rendered)
// and turns every object into a ResourceChange. Each comparison goes normalize → mask → YAML →
// unified diff, in that order and only here.
import { isDeepStrictEqual } from "node:util";
import { AppError } from "../errors.ts";
import { groupOf, objectKey, type KubeObject } from "../kube/types.ts";
import { blockingError, DEFAULT_SENSITIVE_KEY_PATTERN, maskPair, sensitiveValues } from "./mask.ts";
import { normalize } from "./normalize.ts";
import { sourceOf } from "../render/source.ts";
import { compareResources } from "./order.ts";
import { diffTexts } from "./diff-pool.ts";
import { toYaml } from "./unified.ts";
import type {
  ApiFailure,
  AppDiff,
  AppRef,
  ChangeAction,
  ChangeCounts,
  DiffMode,
  DiffOptions,
  LiveDiffInput,
  LiveObjectInput,
  RenderDiffInput,
  RenderFailureInput,
  ResourceChange,
} from "./types.ts";

export const RENDER_ONLY_NOTE =
  "Render-only preview: base and head renders compared without the cluster, so server defaults, drift and admission checks are not shown.";

interface Settings {
  rules: NonNullable<DiffOptions["ignoreDifferences"]>;
  pattern: RegExp;
}

function settingsOf(options: DiffOptions): Settings {
  return {
    rules: options.ignoreDifferences ?? [],
    pattern: options.sensitiveKeyPattern ?? DEFAULT_SENSITIVE_KEY_PATTERN,
  };
}

/** Live mode: server-side dry-run results against the current cluster objects. */
export async function compareLive(input: LiveDiffInput, options: DiffOptions = {}): Promise<AppDiff> {
  const settings = settingsOf(options);
  const changes = await Promise.all(
    input.objects.map(async (item) => locatedAt(item.desired, await liveChange(item, settings))),
  );
  const wanted = new Set<string>();
  for (const item of input.objects) {
    wanted.add(objectKey(identityOf(item)));
    // A namespaced object rendered without a namespace lands in the app's destination namespace.
    if (item.desired.metadata.namespace === undefined) {
      wanted.add(
        objectKey({ ...item.desired, metadata: { ...item.desired.metadata, namespace: input.namespace } }),
      );
    }
  }
  const pruned = new Map<string, KubeObject>();
  for (const object of input.inventory) {
    const key = objectKey(object);
    if (!wanted.has(key)) pruned.set(key, object);
  }
  for (const object of pruned.values())
    changes.push(await change(object, "remove", object, undefined, settings));
  return assemble(input, "live", changes, input.notes ?? [], settings);
}

/** Render mode: base render vs head render, for forks and when the cluster is unreachable. */
export async function compareRenders(input: RenderDiffInput, options: DiffOptions = {}): Promise<AppDiff> {
  const settings = settingsOf(options);
  const base = byKey(input.base);
  const head = byKey(input.head);
  const pending: Promise<ResourceChange>[] = [];
  for (const [key, after] of head) {
    const before = base.get(key);
    const refused = input.refused?.get(key);
    if (refused !== undefined) {
      pending.push(
        Promise.resolve(
          locatedAt(after, errorChange(after, refused, sensitiveValues([after, before], settings.pattern))),
        ),
      );
      continue;
    }
    pending.push(
      change(after, before === undefined ? "add" : "change", before, after, settings).then((result) =>
        locatedAt(after, result),
      ),
    );
  }
  for (const [key, before] of base) {
    if (!head.has(key)) pending.push(change(before, "remove", before, undefined, settings));
  }
  const changes = await Promise.all(pending);
  return assemble(input, "render", changes, [RENDER_ONLY_NOTE, ...(input.notes ?? [])], settings);
}

/** The whole app could not be rendered: one blocking finding, no resources. */
export function renderFailure(input: RenderFailureInput): AppDiff {
  const ref: AppRef = {
    app: input.app,
    cluster: input.cluster,
    namespace: input.namespace,
    sourceType: input.sourceType,
  };
  return {
    ...ref,
    mode: input.mode,
    changes: [],
    counts: { added: 0, changed: 0, removed: 0, unchanged: 0, errors: 1 },
    error: blockingError(input.failure, input.secrets ?? []),
    notes: input.notes ?? [],
    ignoreDifferences: [],
  };
}

export function countChanges(changes: readonly ResourceChange[]): ChangeCounts {
  const counts: ChangeCounts = { added: 0, changed: 0, removed: 0, unchanged: 0, errors: 0 };
  for (const item of changes) {
    if (item.action === "add") counts.added++;
    else if (item.action === "change") counts.changed++;
    else if (item.action === "remove") counts.removed++;
    else if (item.action === "unchanged") counts.unchanged++;
    else counts.errors++;
  }
  return counts;
}

/** The change with where the head defines its object, when the render said. */
function locatedAt(head: KubeObject, result: ResourceChange): ResourceChange {
  const source = sourceOf(head);
  return source ? { ...result, source } : result;
}

function identityOf(item: LiveObjectInput): KubeObject {
  // The dry-run answer carries the namespace the server defaulted; the render may not.
  return item.predicted ?? item.live ?? item.desired;
}

async function liveChange(item: LiveObjectInput, settings: Settings): Promise<ResourceChange> {
  const identity = identityOf(item);
  if (item.dryRunError !== undefined) {
    const secrets = sensitiveValues([item.desired, item.live, item.predicted, item.base], settings.pattern);
    return errorChange(identity, item.dryRunError, secrets);
  }
  if (item.predicted === undefined) {
    throw new AppError("INTERNAL", "compareLive needs a dry-run result or a dry-run error per object", {
      details: { key: objectKey(item.desired) },
    });
  }
  const result = await change(
    identity,
    item.live === undefined ? "add" : "change",
    item.live,
    item.predicted,
    settings,
  );
  if (
    result.action === "change" &&
    item.base !== undefined &&
    sameRender(item.base, item.desired, settings)
  ) {
    result.drift = true;
  }
  return result;
}

function errorChange(identity: KubeObject, failure: ApiFailure, secrets: string[]): ResourceChange {
  return {
    ...describe(identity),
    action: "error",
    diff: "",
    stats: { added: 0, removed: 0 },
    error: blockingError(failure, secrets),
  };
}

function sameRender(base: KubeObject, head: KubeObject, settings: Settings): boolean {
  return isDeepStrictEqual(normalize(base, settings.rules), normalize(head, settings.rules));
}

async function change(
  identity: KubeObject,
  action: Exclude<ChangeAction, "error" | "unchanged">,
  before: KubeObject | undefined,
  after: KubeObject | undefined,
  settings: Settings,
): Promise<ResourceChange> {
  const masked = maskPair(
    before === undefined ? undefined : normalize(before, settings.rules),
    after === undefined ? undefined : normalize(after, settings.rules),
    settings.pattern,
  );
  const diff = await diffTexts(toYaml(masked.before), toYaml(masked.after));
  const unchanged = action === "change" && diff.added + diff.removed === 0;
  const result: ResourceChange = {
    ...describe(identity),
    action: unchanged ? "unchanged" : action,
    diff: diff.text,
    stats: { added: diff.added, removed: diff.removed },
  };
  if (diff.tooLarge) result.tooLarge = tooLargeSummary(result);
  return result;
}

/** "ConfigMap big: 20,000 lines changed, too large to show" */
function tooLargeSummary(change: ResourceChange): string {
  // A changed line is one removed and one added; the larger side counts the lines touched.
  const lines = Math.max(change.stats.added, change.stats.removed);
  return `${change.kind} ${change.name}: ${lines.toLocaleString("en-US")} lines changed, too large to show`;
}

function describe(object: KubeObject): Pick<ResourceChange, "key" | "group" | "kind" | "name" | "namespace"> {
  const described: Pick<ResourceChange, "key" | "group" | "kind" | "name" | "namespace"> = {
    key: objectKey(object),
    group: groupOf(object.apiVersion),
    kind: object.kind,
    name: object.metadata.name,
  };
  if (object.metadata.namespace !== undefined) described.namespace = object.metadata.namespace;
  return described;
}

function byKey(objects: readonly KubeObject[]): Map<string, KubeObject> {
  return new Map(objects.map((object) => [objectKey(object), object]));
}

function assemble(
  ref: AppRef,
  mode: DiffMode,
  changes: ResourceChange[],
  notes: string[],
  settings: Settings,
): AppDiff {
  changes.sort(compareResources);
  return {
    app: ref.app,
    cluster: ref.cluster,
    namespace: ref.namespace,
    sourceType: ref.sourceType,
    mode,
    changes,
    counts: countChanges(changes),
    notes,
    ignoreDifferences: settings.rules,
  };
}
