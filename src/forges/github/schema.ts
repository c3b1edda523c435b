// The parts of GitHub's answers Ferry reads, and nothing more.
// https://docs.github.com/en/rest/issues/comments , /rest/pulls/pulls , /rest/commits/commits ,
// /rest/collaborators/collaborators , /rest/reactions/reactions
import { z } from "zod";

export const GithubComment = z.object({
  id: z.number().int(),
  body: z
    .string()
    .nullish()
    .transform((body) => body ?? ""),
  /** The author; null for a deleted account ("ghost"). */
  user: z.object({ login: z.string() }).nullish(),
});

/** https://docs.github.com/en/rest/users/users#get-the-authenticated-user */
export const GithubUser = z.object({ login: z.string().min(1) });
export const GithubComments = z.array(GithubComment);

const login = z.object({ login: z.string() }).nullish();

export const GithubPull = z.object({
  number: z.number().int(),
  state: z.enum(["open", "closed"]),
  title: z.string().optional(),
  /** null when the description is empty. */
  body: z.string().nullish(),
  merged_at: z.string().nullish(),
  html_url: z.string().optional(),
  user: login,
  merged_by: login,
  // head.repo is null when the fork the pull request came from was deleted.
  head: z.object({
    sha: z.string(),
    ref: z.string().optional(),
    repo: z.object({ full_name: z.string() }).nullish(),
  }),
  base: z
    .object({ sha: z.string(), ref: z.string(), repo: z.object({ full_name: z.string() }).nullish() })
    .optional(),
});
export const GithubPulls = z.array(GithubPull);

export type GithubPull = z.infer<typeof GithubPull>;

/**
 * https://docs.github.com/en/rest/pulls/pulls#merge-a-pull-request: the pull-request-merge-result
 * of a 200, which means merged; an answer that says otherwise is not taken for a merge.
 */
export const GithubMergeResult = z.object({
  sha: z.string().min(1),
  merged: z.literal(true),
  message: z.string(),
});

// https://docs.github.com/en/rest/apps/apps
export const GithubInstallation = z.object({ id: z.number().int() });
export const GithubApp = z.object({ slug: z.string().min(1) });
/** What @octokit/auth-app hands back for an installation token. */
export const GithubInstallationToken = z.object({ token: z.string().min(1), expiresAt: z.string().min(1) });

// https://docs.github.com/en/rest/checks/runs
export const GithubCheckRun = z.object({ id: z.number().int() });

export const GithubPermission = z.object({ permission: z.string(), role_name: z.string().optional() });

export const GithubReaction = z.object({ id: z.number().int(), content: z.string() });

/** https://docs.github.com/en/rest/rate-limit/rate-limit: the headers carry what Ferry reads. */
export const GithubRateLimit = z.object({
  rate: z.object({ limit: z.number(), remaining: z.number(), reset: z.number() }),
});
