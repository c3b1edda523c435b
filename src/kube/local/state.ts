// <dir>/cluster.json records what runs, so that another process (`ferry cluster down`, or a
// later `up`) can find and stop it.
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";

export const stateSchema = z.object({
  server: z.string(),
  kubeconfig: z.string(),
  processes: z.array(z.object({ name: z.string(), pid: z.number().int().positive(), log: z.string() })),
});

export type ClusterState = z.infer<typeof stateSchema>;

export const stateFile = (dir: string) => join(dir, "cluster.json");

export async function writeState(dir: string, state: ClusterState): Promise<void> {
  await writeFile(stateFile(dir), `${JSON.stringify(state, null, 2)}\n`);
}

export async function readState(dir: string): Promise<ClusterState | undefined> {
  let text: string;
  try {
    text = await readFile(stateFile(dir), "utf8");
  } catch {
    return undefined;
  }
  return stateSchema.parse(JSON.parse(text));
}

export async function removeState(dir: string): Promise<void> {
  await rm(stateFile(dir), { force: true });
}
