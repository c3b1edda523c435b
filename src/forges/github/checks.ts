// Check runs (https://docs.github.com/en/rest/checks/runs), which only a GitHub App may
// create. A run is created in_progress and completed with its output; GitHub takes at most 50
// annotations per request and appends those of later updates, so the rest follow in batches.
import type { ForgeCaller } from "../call.ts";
import type { CheckAnnotation, CheckRuns } from "../types.ts";
import { splitRepo } from "./app.ts";
import type { GithubClient } from "./client.ts";
import { GithubCheckRun } from "./schema.ts";

export const MAX_ANNOTATIONS_PER_REQUEST = 50;
export const MAX_OUTPUT_CHARS = 65_535;
const MAX_TITLE_CHARS = 255;

export function githubCheckRuns(
  clientFor: (repo: string) => Promise<GithubClient>,
  call: ForgeCaller,
): CheckRuns {
  return {
    async start(repoPath, run) {
      const { owner, repo } = splitRepo(repoPath);
      const client = await clientFor(repoPath);
      const created = await call(
        "POST",
        "/repos/{owner}/{repo}/check-runs",
        GithubCheckRun,
        async () =>
          (
            await client.rest.checks.create({
              owner,
              repo,
              name: run.name,
              head_sha: run.headSha,
              external_id: run.externalId,
              status: "in_progress",
              started_at: new Date().toISOString(),
            })
          ).data,
      );
      return created.id;
    },

    async finish(repoPath, id, result) {
      const { owner, repo } = splitRepo(repoPath);
      const client = await clientFor(repoPath);
      const batches = chunk(result.annotations.map(toGithub), MAX_ANNOTATIONS_PER_REQUEST);
      const output = { title: clipTitle(result.title), summary: result.summary };
      const update = (fields: Record<string, unknown>) =>
        call(
          "PATCH",
          "/repos/{owner}/{repo}/check-runs/{check_run_id}",
          GithubCheckRun,
          async () => (await client.rest.checks.update({ owner, repo, check_run_id: id, ...fields })).data,
        );
      await update({
        status: "completed",
        conclusion: result.conclusion,
        completed_at: new Date().toISOString(),
        output: { ...output, annotations: batches[0] ?? [] },
        ...(result.actions ? { actions: result.actions } : {}),
        ...(result.detailsUrl ? { details_url: result.detailsUrl } : {}),
      });
      for (const batch of batches.slice(1)) await update({ output: { ...output, annotations: batch } });
    },

    async note(repoPath, id, output) {
      const { owner, repo } = splitRepo(repoPath);
      const client = await clientFor(repoPath);
      await call(
        "PATCH",
        "/repos/{owner}/{repo}/check-runs/{check_run_id}",
        GithubCheckRun,
        async () =>
          (
            await client.rest.checks.update({
              owner,
              repo,
              check_run_id: id,
              output: { title: clipTitle(output.title), summary: output.summary },
            })
          ).data,
      );
    },
  };
}

function toGithub(annotation: CheckAnnotation) {
  return {
    path: annotation.path,
    start_line: annotation.startLine,
    end_line: annotation.endLine,
    annotation_level: annotation.level,
    title: annotation.title,
    message: annotation.message,
  };
}

function clipTitle(title: string): string {
  return title.length <= MAX_TITLE_CHARS ? title : `${title.slice(0, MAX_TITLE_CHARS - 1)}…`;
}

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
