// One scrubber at the boundary (issue 13, item 7): an admission policy that echoes what it
// refuses puts Secret values into the API server's error, and every text Ferry sends out about
// it — the deploy comment, the commit status, /api/apps (deployment history, drift), the logs —
// must show it scrubbed.
//
// The policy is a ValidatingAdmissionPolicy (CEL, evaluated by kube-apiserver itself) bound to
// the test's namespace. Admission sees a Secret's data in base64, so for the Secret it echoes the
// base64 form; a ConfigMap that embeds the same password (a config file template) makes it echo
// the plain value too.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";
import { describe, expect, inject, it, onTestFinished } from "vitest";
import { deployContext } from "../../../src/report/status.ts";
import type { KubeObject } from "../../../src/kube/types.ts";
import { SCRUBBED } from "../../../src/observability/scrub.ts";
import { processReconcileJob } from "../../../src/reconcile/index.ts";
import { toolPath } from "../../../src/render/binaries.ts";
import { reconcileDeps } from "../../../workers/reconcile.ts";
import { changedFiles, configMap, dataSecret, deployFirst, setup, type Setup } from "./fixtures.ts";

const run = promisify(execFile);

async function kubectl(input: string | undefined, ...args: string[]): Promise<void> {
  const child = run(toolPath("kubectl"), ["--kubeconfig", inject("kubeconfig"), ...args]);
  if (input !== undefined) child.child.stdin?.end(input);
  await child;
}

/** Refuses every create and update of Secret db and ConfigMap settings in `namespace`, echoing their data. */
function echoingPolicy(name: string, namespace: string): string {
  return `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: ${name}
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
      - apiGroups: [""]
        apiVersions: ["v1"]
        operations: ["CREATE", "UPDATE"]
        resources: ["secrets", "configmaps"]
  validations:
    - expression: "!(object.metadata.name in ['db', 'settings'])"
      messageExpression: >-
        object.kind == 'Secret'
        ? 'password ' + string(object.data.password) + ' is not allowed'
        : 'config ' + object.data.value + ' is not allowed'
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: ${name}
spec:
  policyName: ${name}
  validationActions: [Deny]
  matchResources:
    namespaceSelector:
      matchLabels:
        kubernetes.io/metadata.name: ${namespace}
`;
}

/** Installs the policy and waits until the API server enforces it (a server dry-run is refused). */
async function installPolicy(s: Setup): Promise<void> {
  const name = `ferry-echo-${randomBytes(4).toString("hex")}`;
  const policy = echoingPolicy(name, s.namespace);
  await kubectl(policy, "apply", "-f", "-");
  onTestFinished(() => kubectl(policy, "delete", "--ignore-not-found", "-f", "-"));
  const probe: KubeObject = {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "db", namespace: s.namespace },
    data: { password: Buffer.from("probe-value").toString("base64") },
  };
  await expect
    .poll(
      () =>
        s.kube.apply(probe, { force: true, dryRun: true }).then(
          () => "allowed",
          (error: unknown) => String(error),
        ),
      { timeout: 30_000, interval: 100 },
    )
    .toContain("denied request");
}

describe("an admission error that echoes a Secret value", () => {
  it("reaches the comment, the status, /api/apps and the logs scrubbed", async () => {
    const tag = randomBytes(6).toString("hex");
    const values = {
      deployed: `deployed-pw-${tag}`,
      byHand: `by-hand-pw-${tag}`,
      refused: `refused-pw-${tag}`,
    };
    const s = await setup(
      "github",
      {
        "apps/web/db.yaml": dataSecret("db", "password", values.deployed),
        "apps/web/settings.yaml": configMap("settings", `db.user app db.pass ${values.deployed}`),
      },
      { healthTimeout: "20s" },
    );
    const first = await deployFirst(s);

    // Drift: the Secret is edited by hand, then the policy makes the drift check's dry-run fail.
    const patch = JSON.stringify({ data: { password: Buffer.from(values.byHand).toString("base64") } });
    await kubectl(undefined, "-n", s.namespace, "patch", "secret", "db", "--type", "merge", "-p", patch);
    await installPolicy(s);
    await processReconcileJob({ app: s.app, trigger: "watch" }, reconcileDeps(s.harness.runtime));

    // A merged pull request changes the password; the apply is refused and so is the rollback.
    await s.repo.write({
      "apps/web/db.yaml": dataSecret("db", "password", values.refused),
      "apps/web/settings.yaml": configMap("settings", `db.user app db.pass ${values.refused}`),
    });
    const sha = await s.repo.commit("new password");
    s.harness.github.seedPull(s.project, {
      number: 5,
      headSha: "feature-5",
      state: "closed",
      mergedAt: new Date().toISOString(),
      commits: [sha],
    });
    const modified = await changedFiles(s.repo, first, sha);
    const answer = await s.harness.pushGithub({
      repo: s.project,
      branch: "main",
      before: first,
      after: sha,
      modified,
    });
    expect(answer.status).toBe(202);
    const [deployed] = await s.harness.finished(answer.jobs);
    expect(deployed).toMatchObject({ result: "failed" });
    await s.harness.idle();

    const comments = s.harness.github.comments(s.project, 5).map((comment) => comment.body);
    const statuses = s.harness.github.statuses
      .filter((status) => status.context === deployContext(s.app))
      .map((status) => status.description);
    const api = await Promise.all(
      [`/api/apps`, `/api/apps/${s.app}`].map(async (path) =>
        (await fetch(`${s.harness.url}${path}`)).text(),
      ),
    );
    const logs = s.harness.logs.text();
    const outward = {
      comments: comments.join("\n"),
      statuses: statuses.join("\n"),
      api: api.join("\n"),
      logs,
    };

    // Each path carries the admission error (so the test sees what it checks)...
    expect(comments).toHaveLength(1);
    // Markdown escapes the mask's asterisks in the comment.
    expect(outward.comments).toMatch(/denied request: password (\\\*){8} is not allowed/);
    expect(outward.comments).toMatch(/denied request: config db\.user app db\.pass (\\\*){8} is not allowed/);
    expect(s.harness.github.statuses.at(-1)).toMatchObject({ sha, state: "failure" });
    const detail = JSON.parse(api[1] ?? "{}") as {
      deployments: { message?: string }[];
      drift?: { drifted: { error?: string }[] };
    };
    const echoed = `denied request: password ${SCRUBBED} is not allowed`;
    expect(detail.deployments[0]?.message).toContain(echoed);
    expect(detail.drift?.drifted[0]?.error).toContain(echoed);
    expect(outward.logs).toContain(echoed);
    // ...and none the values, plain or base64.
    const leaks = Object.entries(outward).flatMap(([path, text]) =>
      Object.entries(values).flatMap(([name, value]) => {
        const base64 = Buffer.from(value).toString("base64");
        return [value, base64, base64.replace(/=+$/, "")]
          .filter((form) => text.includes(form))
          .map((form) => `${path}: ${name} (${form === value ? "value" : "base64"})`);
      }),
    );
    expect([...new Set(leaks)]).toEqual([]);
  });
});
