// The parts of GitLab's answers Ferry reads, and nothing more.
// https://docs.gitlab.com/api/notes/ , /api/commits/ , /api/merge_requests/ , /api/members/ ,
// /api/emoji_reactions/
import { z } from "zod";

export const GitlabNote = z.object({
  id: z.number().int(),
  body: z.string(),
  /** System notes ("added 1 commit") are GitLab's, never Ferry's. */
  system: z.boolean().default(false),
  author: z.object({ username: z.string() }).nullish(),
});

/** https://docs.gitlab.com/api/users/#retrieve-the-current-user */
export const GitlabUser = z.object({ username: z.string().min(1) });
export const GitlabNotes = z.array(GitlabNote);

const username = z.object({ username: z.string() }).nullish();

export const GitlabMergeRequest = z.object({
  iid: z.number().int(),
  state: z.enum(["opened", "closed", "locked", "merged"]),
  title: z.string().optional(),
  /** null when the description is empty. */
  description: z.string().nullish(),
  /** Head SHA of the source branch; null while GitLab is still preparing a new MR. */
  sha: z.string().nullish(),
  web_url: z.string().optional(),
  source_branch: z.string().optional(),
  target_branch: z.string().optional(),
  source_project_id: z.number().int().optional(),
  target_project_id: z.number().int().optional(),
  /** base_sha: the merge-base GitLab's "Changes" tab diffs against; null while it is computed. */
  diff_refs: z.object({ base_sha: z.string().nullish() }).nullish(),
  author: username,
  /** merged_by is deprecated in favour of merge_user; both are read. */
  merge_user: username,
  merged_by: username,
});
export const GitlabMergeRequests = z.array(GitlabMergeRequest);

/**
 * https://docs.gitlab.com/api/merge_requests/#merge-a-merge-request: the merge request as the
 * merge left it. Only `merged` is a merge (auto-merge would leave it opened, waiting).
 */
export const GitlabMergedRequest = z.object({
  iid: z.number().int(),
  state: z.literal("merged"),
  merge_commit_sha: z.string().nullish(),
});

export const GitlabCommitStatus = z.object({ id: z.number().int(), status: z.string() });

export const GitlabCommit = z.object({ id: z.string() });

export type GitlabMergeRequest = z.infer<typeof GitlabMergeRequest>;

export const GitlabMember = z.object({ id: z.number().int(), access_level: z.number().int() });

export const GitlabAwardEmoji = z.object({ id: z.number().int(), name: z.string() });
