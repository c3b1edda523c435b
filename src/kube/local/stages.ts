// kwok's stage files, copied into the working directory with one change: the pod-ready stage
// skips pods labelled `ferry.dev/test-never-ready: "true"`. Such pods stay Pending forever,
// which gives rollback tests "a Deployment that can never become Available". The cached
// copies stay untouched.
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import * as yaml from "js-yaml";
import { z } from "zod";

export const NEVER_READY_LABEL = "ferry.dev/test-never-ready";

const STAGE_FILES = [
  "node-initialize.yaml",
  "node-heartbeat-with-lease.yaml",
  "pod-ready.yaml",
  "pod-complete.yaml",
  "pod-delete.yaml",
] as const;

const stageSchema = z.looseObject({
  spec: z.looseObject({
    selector: z.looseObject({ matchExpressions: z.array(z.unknown()).default([]) }),
  }),
});

function withNeverReadyRule(text: string): string {
  const stage = stageSchema.parse(yaml.load(text));
  stage.spec.selector.matchExpressions.push({
    key: `.metadata.labels["${NEVER_READY_LABEL}"]`,
    operator: "NotIn",
    values: ["true"],
  });
  return yaml.dump(stage, { lineWidth: -1 });
}

/** Writes the stage files into `dir` and returns their paths (kwok's --config list). */
export async function writeStages(binDir: string, dir: string): Promise<string[]> {
  return Promise.all(
    STAGE_FILES.map(async (file) => {
      const text = await readFile(join(binDir, "kwok-stages", file), "utf8");
      const target = join(dir, file);
      await writeFile(target, file === "pod-ready.yaml" ? withNeverReadyRule(text) : text);
      return target;
    }),
  );
}
