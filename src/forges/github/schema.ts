// The parts of GitHub's answers Ferry reads, and nothing more.
// https://docs.github.com/en/rest/issues/comments , /rest/pulls/pulls , /rest/commits/commits
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

export const GithubPull = z.object({
  number: z.number().int(),
  state: z.enum(["open", "closed"]),
  merged_at: z.string().nullish(),
  html_url: z.string().optional(),
  head: z.object({ sha: z.string() }),
});
export const GithubPulls = z.array(GithubPull);

export type GithubPull = z.infer<typeof GithubPull>;

// https://docs.github.com/en/rest/apps/apps
export const GithubInstallation = z.object({ id: z.number().int() });
export const GithubApp = z.object({ slug: z.string().min(1) });
/** What @octokit/auth-app hands back for an installation token. */
export const GithubInstallationToken = z.object({ token: z.string().min(1), expiresAt: z.string().min(1) });

// https://docs.github.com/en/rest/checks/runs
export const GithubCheckRun = z.object({ id: z.number().int() });
