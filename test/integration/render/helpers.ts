import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import * as yaml from "js-yaml";
import { sourceSchema, type SourceConfig } from "../../../src/config/schema.ts";
import {
  APP_LABEL,
  SOURCE_ANNOTATION,
  TRACKING_ANNOTATION,
  type KubeObject,
} from "../../../src/kube/types.ts";
import { installRoot } from "../../../src/runtime/install.ts";
import { renderApp, type RenderAppOptions } from "../../../src/render/index.ts";

/** A chart and a kustomization of our own (test/fixtures/README.md). */
export const fixtureRepo = join(installRoot, "test", "fixtures", "repos", "web");

const run = promisify(execFile);

export async function byHand(command: string, args: string[]): Promise<KubeObject[]> {
  const { stdout } = await run(command, args, {
    maxBuffer: 64 << 20,
    env: { PATH: process.env.PATH, HOME: "/tmp" },
  });
  return (yaml.loadAll(stdout) as KubeObject[]).filter(Boolean);
}

export function app(path: string, source: Partial<SourceConfig> = {}, name = "web", namespace = "shop") {
  return {
    name,
    path,
    source: sourceSchema.parse(source),
    destination: { cluster: "test", namespace, createNamespace: false },
  };
}

export function render(
  checkoutDir: string,
  path: string,
  source: Partial<SourceConfig> = {},
  more: Partial<RenderAppOptions> = {},
) {
  return renderApp({ checkoutDir, app: app(path, source), ...more });
}

/** Ferry's additions taken off again, so objects compare with a by-hand render. */
export function withoutFerry(objects: KubeObject[]): KubeObject[] {
  return objects.map((object) => {
    const metadata = structuredClone(object.metadata);
    if (metadata.labels) delete metadata.labels[APP_LABEL];
    if (metadata.annotations) delete metadata.annotations[TRACKING_ANNOTATION];
    if (metadata.annotations) delete metadata.annotations[SOURCE_ANNOTATION];
    if (metadata.labels && Object.keys(metadata.labels).length === 0) delete metadata.labels;
    if (metadata.annotations && Object.keys(metadata.annotations).length === 0) delete metadata.annotations;
    return { ...object, metadata };
  });
}

export function withNamespace(objects: KubeObject[], namespace: string): KubeObject[] {
  return objects.map((object) => ({ ...object, metadata: { namespace, ...object.metadata } }));
}

export function sortObjects(objects: KubeObject[]): KubeObject[] {
  const key = (object: KubeObject) => `${object.kind}/${object.metadata.name}`;
  return [...objects].sort((a, b) => key(a).localeCompare(key(b)));
}
