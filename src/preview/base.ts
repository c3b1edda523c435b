// The commit a change request is compared against. GitHub's pull_request event carries the
// base SHA; GitLab's merge request hook does not, so it is the merge-base of the target
// branch and the head — the same commit GitLab's "Changes" tab diffs against, and what keeps
// commits added to the target branch after the fork point out of the preview.
import type { GitService, RepoLocation } from "../git/types.ts";

export async function resolveBase(
  git: GitService,
  location: RepoLocation,
  job: { baseSha?: string | undefined; baseRef: string; headSha: string },
): Promise<string> {
  if (job.baseSha !== undefined) return job.baseSha;
  const tip = await git.headOf(location, job.baseRef);
  // Without a merge-base (a GitService that has none, or unrelated histories) the branch tip
  // is compared instead: that over-reports changes but never misses one.
  return (await git.mergeBase?.(location, tip, job.headSha)) ?? tip;
}
