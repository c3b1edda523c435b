// "Sync now" on a failed `ferry deploy: <app>` check run (issue 16), end to end: GitHub's
// check_run.requested_action webhook, signed, becomes a command job with the rules of
// `/ferry sync`. A reader is refused on the run itself and nothing reaches the cluster; a writer
// deploys the branch head, the history names them, and the new deploy reports through a check
// run without any commit status. The forge is a GitHub App whose tokens live two seconds; the
// fake fails on any unexpected or refused call.
import { describe, expect, it } from "vitest";
import { readHistory } from "../../../src/sync/history.ts";
import { commandSetup, deployed, expectNoSyncJobs, type CommandSetup } from "./fixtures.ts";
import { githubCheckAction } from "./payloads.ts";

const INSTALLATION = 31;

async function setup(): Promise<CommandSetup> {
  return commandSetup("github", {
    githubApp: { id: 301, installations: [{ id: INSTALLATION, account: "acme" }], tokenTtlMs: 2_000 },
  });
}

/** The run an earlier failed deploy of web left, with its Sync now button. */
function failedDeployCheck(s: CommandSetup) {
  return s.harness.github.seedCheckRun(s.project, {
    name: `ferry deploy: ${s.apps.web.name}`,
    head_sha: s.main,
    external_id: `deploy:${s.apps.web.name}`,
    conclusion: "failure",
    actions: [{ label: "Sync now", description: "Deploy the branch head again", identifier: "sync" }],
    installation: INSTALLATION,
  });
}

async function press(s: CommandSetup, run: ReturnType<typeof failedDeployCheck>, user: string) {
  const body = githubCheckAction({ repo: s.project, run, identifier: "sync", user, userId: 77 });
  return s.harness.postGithub("check_run", body);
}

describe("Sync now on a GitHub deploy check", () => {
  it("refuses a reader on the check run and deploys nothing", async () => {
    const s = await setup();
    s.harness.github.seedCollaborator(s.project, "reader", "read");
    const run = failedDeployCheck(s);

    const answer = await press(s, run, "reader");
    expect(answer.status).toBe(202);
    expect(await s.commands.finished(answer.jobs)).toEqual([
      { result: "refused", permission: "read", required: "write" },
    ]);
    expect(run.output.title).toBe("Sync now refused for @reader");
    expect(run.output.summary).toContain("needs **write** permission");
    expect(run.output.summary).toContain("@reader has **read**");
    // The run keeps its conclusion and button: a writer may still press it.
    expect(run.conclusion).toBe("failure");
    expect(run.actions.map((action) => action.identifier)).toEqual(["sync"]);
    await expectNoSyncJobs(s);
    expect(await deployed(s)).toEqual([]);
    expect(s.harness.github.checkRunsOf(s.project)).toHaveLength(1);
    s.harness.github.assertNoUnexpected();
    s.harness.github.assertNoRefused();
  });

  it("deploys the branch head for a writer, and the history names them", async () => {
    const s = await setup();
    s.harness.github.seedCollaborator(s.project, "writer", "write");
    const run = failedDeployCheck(s);

    const answer = await press(s, run, "writer");
    expect(answer.status).toBe(202);
    const [outcome] = await s.commands.finished(answer.jobs);
    expect(outcome).toMatchObject({ result: "accepted", apps: [s.apps.web.name], skipped: [] });
    const runs = await s.harness.finished(outcome?.result === "accepted" ? outcome.jobs : []);
    expect(runs).toMatchObject([{ result: "succeeded", app: s.apps.web.name, revision: s.main }]);
    expect(await deployed(s)).toEqual(["web"]);

    const [record] = await readHistory(s.harness.runtime.redis, s.harness.runtime.prefix, s.apps.web.name);
    expect(record).toMatchObject({ revision: s.main, trigger: "manual", author: "writer" });
    const response = await fetch(`${s.harness.url}/api/apps/${s.apps.web.name}`);
    const detail = (await response.json()) as { deployments: Array<{ cause?: unknown }> };
    expect(detail.deployments[0]?.cause).toEqual({ kind: "command", user: "writer" });

    expect(run.output.title).toBe("Sync requested by @writer");
    // The deploy it ran reports on a new run of the same name; statuses are not posted besides.
    const checks = s.harness.github.checkRunsOf(s.project).filter((check) => check.id !== run.id);
    expect(checks.map((check) => [check.name, check.head_sha, check.conclusion])).toEqual([
      [`ferry deploy: ${s.apps.web.name}`, s.main, "success"],
    ]);
    expect(s.harness.github.statuses).toEqual([]);
    s.harness.github.assertNoUnexpected();
    s.harness.github.assertNoRefused();
  });

  it("ignores a button that is not Ferry's", async () => {
    const s = await setup();
    const run = { ...failedDeployCheck(s), external_id: "lint:web" };
    const answer = await press(s, run, "writer");
    expect(answer).toEqual({ status: 200, jobs: [] });
    await expectNoSyncJobs(s);
    expect(s.harness.github.calls).toEqual([]);
  });
});
