// The commit a change request is compared against. GitHub's pull_request event carries the
// base SHA; GitLab's merge request hook does not, so it is the merge-base of the target
// branch and the head — the same commit GitLab's "Changes" tab diffs against, and what keeps
// commits added to the target branch after the fork point out of the preview.
import type { GitService, RepoLocation } from "../git/types.ts";
import { CliGitService } from "../git/service.ts";
import { runGit } from "../git/run.ts";

export async function resolveBase(
  git: GitService,
  location: RepoLocation,
  job: { baseSha?: string | undefined; baseRef: string; headSha: string },
): Promise<string> {
  if (job.baseSha !== undefined) return job.baseSha;
  const tip = await git.headOf(location, job.baseRef);
  // changedPaths makes sure both commits are in the mirror (it fetches when needed).
  await git.changedPaths(location, tip, job.headSha);
  // GitService has no merge-base yet; the CLI implementation's mirror answers it. Any other
  // implementation gets the branch tip, which over-reports changes but never misses one.
  if (!(git instanceof CliGitService)) return tip;
  const { stdout, exitCode } = await runGit(["merge-base", tip, job.headSha], {
    gitDir: git.mirrorDir(location),
    timeoutMs: 60_000,
    okExitCodes: [1],
  });
  const sha = stdout.toString("utf8").trim();
  // Exit 1: unrelated histories. Compare with the tip then.
  return exitCode === 1 || sha === "" ? tip : sha;
}
