import { describe, expect, it } from "vitest";
import {
  deployComment,
  deployFailedComment,
  deploySummary,
  formatDuration,
  rollbackComment,
  rollbackSummary,
} from "../../../src/report/deploy.ts";

describe("deploy notes", () => {
  it("summarises a deploy and a rollback in one line", () => {
    expect(
      deploySummary({
        app: "podinfo",
        cluster: "prod",
        sha: "abc1234ffff",
        durationMs: 4_200,
        changed: 3,
        health: "Healthy",
      }),
    ).toBe("Deployed podinfo to prod at abc1234 in 4.2 s, 3 objects changed, healthy");
    expect(
      deploySummary({
        app: "podinfo",
        cluster: "prod",
        sha: "abc1234ffff",
        durationMs: 900,
        changed: 1,
        health: "Suspended",
      }),
    ).toBe("Deployed podinfo to prod at abc1234 in 0.9 s, 1 object changed, suspended (counts as done)");
    expect(
      rollbackSummary({
        app: "podinfo",
        cluster: "prod",
        fromSha: "abc1234ffff",
        toSha: "def5678ffff",
        message: "Deployment podinfo not available after 5m",
        reason: "ProgressDeadlineExceeded",
      }),
    ).toBe(
      "Rolled back podinfo to def5678: Deployment podinfo not available after 5m — ProgressDeadlineExceeded",
    );
  });

  it("formats durations", () => {
    expect(formatDuration(950)).toBe("0.9 s");
    expect(formatDuration(59_940)).toBe("59.9 s");
    expect(formatDuration(125_000)).toBe("2m 05s");
  });

  it("writes comments with a marker, linked SHAs and scrubbed messages", () => {
    const deployed = deployComment({
      app: "podinfo",
      cluster: "prod",
      sha: "abc1234ffff",
      durationMs: 4_200,
      changed: 1,
      health: "Healthy",
      commitUrlTemplate: "https://github.com/acme/deploy/commit/{sha}",
    });
    expect(deployed.split("\n")[0]).toBe("<!-- ferry:deploy app=podinfo sha=abc1234ffff -->");
    expect(deployed).toContain(
      "✅ Deployed **podinfo** to **prod** at [`abc1234`](https://github.com/acme/deploy/commit/abc1234ffff) in 4.2 s, 1 object changed, healthy.",
    );

    const rolledBack = rollbackComment({
      app: "podinfo",
      cluster: "prod",
      fromSha: "abc1234ffff",
      toSha: "def5678ffff",
      message: "Deployment podinfo not available after 5m (token s3cr3t-value)",
      reason: "ProgressDeadlineExceeded",
      secrets: ["s3cr3t-value"],
    });
    expect(rolledBack).toContain(
      "↩️ Rolled back **podinfo** on **prod** to `def5678`: Deployment podinfo not available after 5m",
    );
    expect(rolledBack).toContain("ProgressDeadlineExceeded");
    expect(rolledBack).not.toContain("s3cr3t-value");

    const failed = deployFailedComment({
      app: "podinfo",
      cluster: "prod",
      sha: "abc1234ffff",
      message: "apply refused: <b>",
    });
    expect(failed).toContain("failed: apply refused: \\<b\\>");
  });
});
