// Only the fields Ferry reads from GitHub's payloads
// (https://docs.github.com/en/webhooks/webhook-events-and-payloads).
import { z } from "zod";

const repository = z.object({ full_name: z.string().min(1) });

export const pushPayloadSchema = z.object({
  ref: z.string().min(1),
  before: z.string(),
  after: z.string(),
  created: z.boolean().default(false),
  deleted: z.boolean().default(false),
  forced: z.boolean().default(false),
  repository,
  pusher: z.object({ name: z.string() }).partial().optional(),
});
export type PushPayload = z.infer<typeof pushPayloadSchema>;

const branch = z.object({
  ref: z.string().min(1),
  sha: z.string().min(1),
  // null when the fork the pull request came from was deleted.
  repo: repository.nullable(),
});

export const pullRequestPayloadSchema = z.object({
  action: z.string().min(1),
  number: z.number().int().positive(),
  repository,
  pull_request: z.object({
    draft: z.boolean().default(false),
    merged: z.boolean().nullable().default(false),
    merge_commit_sha: z.string().nullable().optional(),
    html_url: z.string().optional(),
    user: z.object({ login: z.string() }).nullable().optional(),
    head: branch,
    base: branch,
  }),
});
export type PullRequestPayload = z.infer<typeof pullRequestPayloadSchema>;

export const issueCommentPayloadSchema = z.object({
  action: z.string().min(1),
  repository,
  issue: z.object({
    number: z.number().int().positive(),
    // Present only when the issue is a pull request.
    pull_request: z.object({}).passthrough().optional(),
  }),
  comment: z.object({
    id: z.number().int().positive(),
    body: z.string().nullable(),
    user: z.object({ login: z.string(), id: z.number().int().optional() }).nullable().optional(),
  }),
});
export type IssueCommentPayload = z.infer<typeof issueCommentPayloadSchema>;

export const pingPayloadSchema = z.object({ repository: repository.optional() });

// check_run / check_suite (https://docs.github.com/en/webhooks/webhook-events-and-payloads#check_run):
// the pull requests listed are those of the repository itself whose head is the run's commit.
const checkPullRequest = z.object({
  number: z.number().int().positive(),
  head: z.object({ ref: z.string().min(1), sha: z.string().min(1) }),
  base: z.object({ ref: z.string().min(1) }),
});

export const checkRunPayloadSchema = z.object({
  action: z.string().min(1),
  repository,
  check_run: z.object({
    id: z.number().int().positive().optional(),
    head_sha: z.string().min(1),
    external_id: z.string().nullable().default(null),
    conclusion: z.string().nullable().default(null),
    pull_requests: z.array(checkPullRequest).default([]),
  }),
  /** The button pressed (action "requested_action"): the identifier Ferry gave it. */
  requested_action: z.object({ identifier: z.string().max(20) }).optional(),
  sender: z.object({ login: z.string().min(1), id: z.number().int().optional() }).optional(),
});

export type CheckRunPayload = z.infer<typeof checkRunPayloadSchema>;

export const checkSuitePayloadSchema = z.object({
  action: z.string().min(1),
  repository,
  check_suite: z.object({ pull_requests: z.array(checkPullRequest).default([]) }),
});
export type CheckPullRequest = z.infer<typeof checkPullRequest>;
