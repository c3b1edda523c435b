// Only the fields Ferry reads from GitLab's payloads
// (https://docs.gitlab.com/user/project/integrations/webhook_events/).
import { z } from "zod";

const project = z.object({ path_with_namespace: z.string().min(1) });

export const pushPayloadSchema = z.object({
  ref: z.string().min(1),
  before: z.string(),
  after: z.string(),
  user_username: z.string().optional(),
  project,
});
export type PushPayload = z.infer<typeof pushPayloadSchema>;

const mergeRequestFields = {
  iid: z.number().int().positive(),
  source_branch: z.string().min(1),
  target_branch: z.string().min(1),
  source_project_id: z.number().int(),
  target_project_id: z.number().int(),
  last_commit: z.object({ id: z.string().min(1) }),
  draft: z.boolean().optional(),
  work_in_progress: z.boolean().optional(),
  url: z.string().optional(),
};

export const mergeRequestPayloadSchema = z.object({
  project,
  user: z.object({ username: z.string() }).partial().optional(),
  object_attributes: z.object({
    ...mergeRequestFields,
    action: z.string().optional(),
    // Present on `update` only when new commits were pushed.
    oldrev: z.string().optional(),
    merge_commit_sha: z.string().nullable().optional(),
  }),
  changes: z
    .object({
      draft: z.object({ previous: z.boolean().nullable(), current: z.boolean().nullable() }).optional(),
    })
    .optional(),
});
export type MergeRequestPayload = z.infer<typeof mergeRequestPayloadSchema>;

export const notePayloadSchema = z.object({
  project,
  user: z.object({ username: z.string(), id: z.number().int() }).partial().optional(),
  object_attributes: z.object({
    id: z.number().int().positive(),
    note: z.string(),
    noteable_type: z.string(),
    /** "create" or "update" (an edit); older GitLab versions send none and no edits. */
    action: z.string().optional(),
  }),
  merge_request: z.object(mergeRequestFields).optional(),
});
export type NotePayload = z.infer<typeof notePayloadSchema>;

export const objectKindSchema = z.object({ object_kind: z.string().optional() });
