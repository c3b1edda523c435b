import { describe, expect, it } from "vitest";
import { compareLive } from "../../../src/diff/compare.ts";
import {
  deployFailed,
  deployPending,
  deployRolledBack,
  deploySucceeded,
  previewError,
  previewPending,
  previewResult,
  STATUS_MAX_CHARS,
} from "../../../src/report/status.ts";
import { asLive, deployment, podinfoRef } from "../diff/objects.ts";
import { headSha, imageAndServiceDiff, manyResourcesDiff } from "./fixtures.ts";

describe("commit status texts", () => {
  it("reports a preview's counts as success, and blocking errors as failure", async () => {
    expect(previewPending().state).toBe("pending");
    expect(previewResult([await imageAndServiceDiff(), await manyResourcesDiff(0, "idle")])).toEqual({
      state: "success",
      description: "+1 ~1 −0 · 1 of 2 apps changed",
    });
    expect(previewResult([await manyResourcesDiff(0)])).toEqual({
      state: "success",
      description: "No changes to the cluster (1 app)",
    });
    const broken = await compareLive({
      ...podinfoRef,
      objects: [
        {
          desired: deployment("a:1"),
          live: asLive(deployment("a:1")),
          dryRunError: { message: "field is immutable" },
        },
      ],
      inventory: [],
    });
    expect(previewResult([broken])).toEqual({
      state: "failure",
      description: "1 blocking error · +0 ~0 −0 · 0 of 1 app changed",
    });
  });

  it("stays within 140 characters and scrubs tokens and given secrets", () => {
    const long = `connect failed: Authorization: Bearer abcdefghijklmnop ${"x".repeat(500)} pw=hunter2hunter2`;
    for (const text of [
      previewError(long, ["hunter2hunter2"]),
      deployFailed("podinfo", long),
      deployRolledBack("podinfo", headSha, long),
    ]) {
      expect(text.description.length).toBeLessThanOrEqual(STATUS_MAX_CHARS);
      expect(text.description).not.toContain("abcdefghijklmnop");
      expect(text.description.endsWith("…")).toBe(true);
    }
    expect(previewError("short hunter2hunter2", ["hunter2hunter2"]).description).toBe(
      "Preview failed: short ********",
    );
  });

  it("describes deploys", () => {
    expect(deployPending("podinfo", headSha)).toEqual({
      state: "pending",
      description: "Deploying podinfo at 2222222…",
    });
    expect(deploySucceeded("podinfo", 3, "Healthy")).toEqual({
      state: "success",
      description: "Deployed podinfo: 3 objects changed, healthy",
    });
    expect(deploySucceeded("podinfo", 1, "Suspended").description).toBe(
      "Deployed podinfo: 1 object changed, suspended (counts as done)",
    );
    expect(deploySucceeded("podinfo", 1, "Unknown").description).toBe(
      "Deployed podinfo: 1 object changed, health unknown",
    );
    expect(deployRolledBack("podinfo", "def5678aaaa", "Deployment podinfo not available after 5m")).toEqual({
      state: "failure",
      description: "Rolled back podinfo to def5678: Deployment podinfo not available after 5m",
    });
  });
});
