// Posting a finished preview: the full page to Redis, the sticky comment, the commit status.
// The page id is a digest of the page: a re-run that finds nothing new produces the same id,
// hence the same comment body, and the forge's comment is left alone.
import { createHash } from "node:crypto";
import type { FerryConfig } from "../config/schema.ts";
import type { AppDiff } from "../diff/index.ts";
import type { CheckAnnotation, Forge, UpsertResult } from "../forges/index.ts";
import { changeRequestKey } from "../queue/job-ids.ts";
import type { PreviewJob } from "../queue/types.ts";
import {
  PREVIEW_CONTEXT,
  previewComment,
  previewHtml,
  previewResult,
  previewUrl,
  type PreviewReportInput,
  type StatusText,
} from "../report/index.ts";
import { previewCheckResult, type PreviewChecks } from "./checks.ts";
import { savePreviewPage } from "./pages.ts";
import type { RedisClient } from "../queue/connection.ts";

export const PREVIEW_COMMENT_KEY = "preview";

export interface Published {
  previewId: string;
  url: string;
  comment: UpsertResult;
  status: StatusText;
}

export function publicUrlOf(config: FerryConfig): string {
  return config.server.publicUrl ?? `http://localhost:${config.server.port}`;
}

/** Commit links from the change request's web URL (GitHub `/pull/N`, GitLab `/-/merge_requests/N`). */
export function commitUrlTemplate(url: string | undefined): string | undefined {
  if (url === undefined || !/^https?:\/\//.test(url)) return undefined;
  const github = /^(.*)\/pull\/\d+\/?$/.exec(url);
  if (github?.[1]) return `${github[1]}/commit/{sha}`;
  const gitlab = /^(.*?)(\/-)?\/merge_requests\/\d+\/?$/.exec(url);
  if (gitlab?.[1]) return `${gitlab[1]}/-/commit/{sha}`;
  return undefined;
}

function pageId(html: string): string {
  return createHash("sha256").update(html).digest().subarray(0, 24).toString("base64url");
}

export async function publishPreview(input: {
  job: PreviewJob;
  forge: Forge;
  redis: RedisClient;
  config: FerryConfig;
  baseSha: string;
  apps: AppDiff[];
  /** With check runs: the run of each app and its annotations; no commit status then. */
  checks?: { runs: PreviewChecks; annotations: Map<string, CheckAnnotation[]> };
}): Promise<Published> {
  const { job, forge } = input;
  const template = commitUrlTemplate(job.url);
  const report: PreviewReportInput = {
    forge: job.forge,
    forgeType: forge.type,
    repo: job.repo,
    number: job.number,
    baseSha: input.baseSha,
    headSha: job.headSha,
    apps: input.apps,
    ...(template ? { commitUrlTemplate: template } : {}),
  };
  const html = previewHtml(report, input.config.server.previewPageMaxBytes);
  const previewId = pageId(html);
  await savePreviewPage(
    input.redis,
    input.config.redis.prefix,
    changeRequestKey(job.forge, job.repo, job.number),
    previewId,
    html,
  );
  const url = previewUrl(publicUrlOf(input.config), previewId);
  const body = previewComment({ ...report, previewUrl: url });
  const comment = await forge.upsertComment(
    { repo: job.repo, number: job.number },
    PREVIEW_COMMENT_KEY,
    body,
  );
  const status = previewResult(input.apps);
  const { checks } = input;
  if (checks && forge.checks) {
    for (const diff of input.apps) {
      const id = checks.runs.get(diff.app);
      if (id === undefined) continue;
      const annotations = checks.annotations.get(diff.app) ?? [];
      await forge.checks.finish(
        job.repo,
        id,
        previewCheckResult({ ...report, previewUrl: url }, diff, annotations),
      );
    }
  } else {
    await forge.setStatus(job.repo, {
      sha: job.headSha,
      context: PREVIEW_CONTEXT,
      ...status,
      targetUrl: url,
    });
  }
  return { previewId, url, comment, status };
}
