// No Secret value at rest in the clear (issue 13, item 2). An app with two Secrets (one written
// as stringData, one as base64 data) is deployed, changed and deployed again, edited by hand so
// that self-heal corrects it, and previewed twice on a pull request. Then every key of the
// installation is read back — decompressed and base64-decoded wherever a value is stored that
// way (test/support/redis-dump.ts) — and none holds any of the Secrets' values or their base64.
// A ConfigMap value is the control: the same dump does find it (the preview page shows it), so
// the reader sees what Ferry stores.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";
import { describe, expect, inject, it } from "vitest";
import { keyPattern } from "../../../src/keys.ts";
import { processReconcileJob } from "../../../src/reconcile/index.ts";
import { toolPath } from "../../../src/render/binaries.ts";
import { reconcileDeps } from "../../../workers/reconcile.ts";
import { git } from "../../support/git.ts";
import { dumpRedis } from "../../support/redis-dump.ts";
import { secret } from "../preview/fixtures.ts";
import { githubPullRequest } from "../preview/payloads.ts";
import { configMap, dataSecret, deployFirst, pushAndWait, setup, type Setup } from "./fixtures.ts";

const run = promisify(execFile);

/** Every form a value could be stored in: itself and its base64, padded or not. */
function forms(value: string): string[] {
  const base64 = Buffer.from(value).toString("base64");
  return [value, base64, base64.replace(/=+$/, "")];
}

async function kubectl(...args: string[]): Promise<void> {
  await run(toolPath("kubectl"), ["--kubeconfig", inject("kubeconfig"), ...args]);
}

type Previews = Awaited<ReturnType<Setup["harness"]["startPreviewWorker"]>>;

/** Pull request #1 from `feature` opened (or pushed to) at `head`; waits for its preview. */
async function previewPull(
  s: Setup,
  previews: Previews,
  action: "opened" | "synchronize",
  head: string,
  base: string,
): Promise<void> {
  s.harness.github.seedPull(s.project, { number: 1, headSha: head });
  const answer = await s.harness.postGithub(
    "pull_request",
    githubPullRequest({
      action,
      repo: s.project,
      number: 1,
      headSha: head,
      baseSha: base,
      headRef: "feature",
      baseRef: "main",
    }),
  );
  expect(answer.status).toBe(202);
  expect(await previews.finished(answer.jobs)).toMatchObject([{ result: "posted" }]);
}

describe("Secrets at rest", () => {
  it("leaves no Secret value or its base64 anywhere in Redis after deploys, a heal and previews", async () => {
    const tag = randomBytes(6).toString("hex");
    // Values long enough that their base64 cannot occur by chance.
    const values = {
      first: `first-password-${tag}`,
      second: `second-password-${tag}`,
      token: `api-token-${tag}`,
      rotated: `rotated-token-${tag}`,
      byHand: `edited-by-hand-${tag}`,
      previewed: `previewed-password-${tag}`,
      previewedAgain: `previewed-again-${tag}`,
    };
    const marker = `visible-${tag}`;
    const s = await setup("github", {
      "apps/web/db.yaml": secret(values.first),
      "apps/web/api.yaml": dataSecret("api", "token", values.token),
      "apps/web/settings.yaml": configMap("settings", "one"),
    });

    // Two deploys: the render cache, the healthy record and the history see both revisions.
    const first = await deployFirst(s);
    await s.repo.write({
      "apps/web/db.yaml": secret(values.second),
      "apps/web/api.yaml": dataSecret("api", "token", values.rotated),
    });
    const second = await s.repo.commit("rotate");
    expect(await pushAndWait(s, first, second)).toMatchObject([{ result: "succeeded" }]);

    // A hand edit of the Secret: self-heal compares, reports drift and corrects it.
    const patch = JSON.stringify({ stringData: { password: values.byHand } });
    await kubectl("-n", s.namespace, "patch", "secret", "db", "--type", "merge", "-p", patch);
    const healed = await processReconcileJob(
      { app: s.app, trigger: "watch" },
      reconcileDeps(s.harness.runtime),
    );
    expect(healed).toMatchObject({ heal: "Healed" });

    // Two previews of a pull request that changes the Secret and the ConfigMap.
    await git(s.repo.dir, "checkout", "-q", "-b", "feature");
    await s.repo.write({
      "apps/web/db.yaml": secret(values.previewed),
      "apps/web/settings.yaml": configMap("settings", marker),
    });
    const previews = await s.harness.startPreviewWorker();
    await previewPull(s, previews, "opened", await s.repo.commit("preview"), second);
    await s.repo.write({ "apps/web/db.yaml": secret(values.previewedAgain) });
    await previewPull(s, previews, "synchronize", await s.repo.commit("preview again"), second);

    const dump = await dumpRedis(s.harness.runtime.redis, keyPattern(s.harness.prefix));
    const texts = dump.map((value) => ({
      where: `${value.key}${value.field === undefined ? "" : ` ${value.field}`}`,
      text: value.decoded?.text ?? value.raw.toString("latin1"),
    }));
    // The control: the dump reads what Ferry stores (the preview page shows the ConfigMap).
    expect(texts.some(({ text }) => text.includes(marker))).toBe(true);
    expect(dump.some((value) => value.key.includes(":render:"))).toBe(true);
    expect(dump.some((value) => value.key.endsWith(":healthy"))).toBe(true);

    const leaks = texts.flatMap(({ where, text }) =>
      Object.entries(values).flatMap(([name, value]) =>
        forms(value)
          .filter((form) => text.includes(form))
          .map((form) => `${where}: ${name} (${form === value ? "value" : "base64"})`),
      ),
    );
    expect([...new Set(leaks)]).toEqual([]);
  });
});
