// The documented health examples (test/fixtures/health/**/*.yaml): objects shaped as Kubernetes
// and each operator document their status, each annotated with the status (and, where it
// matters, the exact message) Ferry must give it. The unit tests judge them with
// assessHealth, the e2e test with the `ferry health` CLI, and bench/health.bench.ts builds its
// stream from them.
import { readFileSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import type { HealthStatus } from "../../src/health/types.ts";
import type { KubeObject } from "../../src/kube/types.ts";
import { parseManifests } from "../../src/render/manifests.ts";

export const HEALTH_FIXTURES = new URL("../fixtures/health/", import.meta.url).pathname;

/** The annotations that carry an example's expectation. */
export const EXPECT = {
  example: "expect.ferry.dev/example",
  status: "expect.ferry.dev/status",
  message: "expect.ferry.dev/message",
} as const;

export interface HealthExample {
  /** Relative to test/fixtures/health, e.g. `operators/cert-manager.yaml`. */
  file: string;
  object: KubeObject;
  /** What the example shows, e.g. "Certificate: Ready, issuing, failed, and not yet reported". */
  example: string;
  status: HealthStatus;
  /** The exact message when the example states it ("" for none); otherwise not checked. */
  message?: string;
}

/** Every fixture file, sorted, relative to test/fixtures/health. */
export function healthFixtureFiles(): string[] {
  return readdirSync(HEALTH_FIXTURES, { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".yaml"))
    .sort();
}

export function healthExamples(file: string): HealthExample[] {
  const path = join(HEALTH_FIXTURES, file);
  return parseManifests(readFileSync(path, "utf8"), relative(HEALTH_FIXTURES, path)).map((object) => {
    const annotations = object.metadata.annotations ?? {};
    const status = annotations[EXPECT.status];
    if (status === undefined)
      throw new Error(`${file}: ${object.kind}/${object.metadata.name} has no ${EXPECT.status}`);
    const message = annotations[EXPECT.message];
    return {
      file,
      object,
      example: annotations[EXPECT.example] ?? "",
      status: status as HealthStatus,
      ...(message === undefined ? {} : { message }),
    };
  });
}

export function allHealthExamples(): HealthExample[] {
  return healthFixtureFiles().flatMap(healthExamples);
}

/** Every fixture file as one YAML stream, in healthFixtureFiles' order. */
export function healthFixtureStream(): string {
  return healthFixtureFiles()
    .map((file) => readFileSync(join(HEALTH_FIXTURES, file), "utf8"))
    .join("---\n");
}
