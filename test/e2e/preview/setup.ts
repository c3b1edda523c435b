// The ground of the preview acceptance tests: a fresh namespace per test, the control plane's
// client, and startHarness/appRepo that close what they started after each test — the harness
// (once its fake forge has seen no unexpected call) before the namespace goes, newest first.
import { afterEach } from "vitest";
import { testKubeClient, useNamespace } from "../../support/cluster.ts";
import { appRepo, type AppRepo } from "./fixtures.ts";
import { startHarness, type Harness } from "./harness.ts";

export interface PreviewSuiteOptions {
  /** The fake whose calls are checked after each test. */
  forge: "github" | "gitlab";
  /** Also fail the test on any call the fake GitHub App refused (a bad or expired token). */
  noRefused?: boolean;
}

export function previewSuite(namespacePrefix: string, options: PreviewSuiteOptions) {
  const ns = useNamespace(namespacePrefix);
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });
  return {
    ns,
    kube: testKubeClient(),
    startHarness: async (...args: Parameters<typeof startHarness>): Promise<Harness> => {
      const harness = await startHarness(...args);
      closers.push(async () => {
        try {
          harness[options.forge].assertNoUnexpected();
          if (options.noRefused) harness.github.assertNoRefused();
        } finally {
          await harness.close();
        }
      });
      return harness;
    },
    appRepo: async (files: Record<string, string>): Promise<AppRepo> => {
      const app = await appRepo(files);
      closers.push(() => app.repo.cleanup());
      return app;
    },
  };
}
