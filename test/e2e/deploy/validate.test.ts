// Validate before write, end to end: a push that changes a ConfigMap (wave 0) and adds an
// object the API refuses (wave 1) is refused as a whole. The ConfigMap keeps its live value,
// nothing is rolled back because nothing was written, and the commit status names the refused
// object with the API's own message.
import { describe, expect, it } from "vitest";
import { deployContext } from "../../../src/report/index.ts";
import { readHistory } from "../../../src/sync/history.ts";
import { configMap, deployFirst, getConfigMap, pushAndWait, setup } from "./fixtures.ts";

const invalidService = `apiVersion: v1
kind: Service
metadata:
  name: broken
  annotations:
    ferry.dev/sync-wave: "1"
spec:
  selector:
    app: web
  ports:
    - port: 70000
`;

describe("validate before write", () => {
  it("refuses a revision with an invalid wave-1 object before its wave-0 change is applied", async () => {
    const s = await setup("github", { "apps/web/settings.yaml": configMap("settings", "old") });
    const first = await deployFirst(s);

    await s.repo.write({
      "apps/web/settings.yaml": configMap("settings", "new"),
      "apps/web/broken.yaml": invalidService,
    });
    const sha = await s.repo.commit("new setting and a broken Service");
    const [run] = await pushAndWait(s, first, sha);
    expect(run).toMatchObject({
      result: "failed",
      revision: sha,
      reason: "ValidationFailed",
      failedStep: "validate",
      code: "KUBE_REJECTED",
      applied: [],
    });

    expect((await getConfigMap(s.kube, s.namespace, "settings"))?.data).toEqual({ value: "old" });
    expect(
      await s.kube.get({ apiVersion: "v1", kind: "Service", namespace: s.namespace, name: "broken" }),
    ).toBeUndefined();
    const history = await readHistory(s.harness.runtime.redis, s.harness.prefix, s.app);
    expect(history[0]).toMatchObject({ revision: sha, result: "failed", changed: 0 });
    expect(history.some((record) => record.rolledBackTo !== undefined)).toBe(false);

    const statuses = s.harness.github.statuses.filter(
      (status) => status.sha === sha && status.context === deployContext(s.app),
    );
    expect(statuses.map((status) => status.state)).toEqual(["pending", "failure"]);
    // The object and the API's message (the Service's port is out of range).
    expect(statuses[1]?.description).toMatch(
      /^Deploy of \S+ failed: Service broken: Service "broken" is invalid: \[?spec\.ports\[0\]\.port: Invalid value: 70000/,
    );
  });
});
