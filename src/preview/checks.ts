// A preview reported through check runs (forges with `checks`, i.e. a GitHub App): one run per
// touched app, `ferry preview: <app>`, created when the app is known to be touched and
// completed with the app's part of the preview. The sticky comment is still posted; the
// combined `ferry/preview` status is not, since the runs say the same.
import type { AppDiff } from "../diff/types.ts";
import type { CheckAnnotation, CheckConclusion, CheckRunResult, Forge } from "../forges/types.ts";
import type { PreviewJob } from "../queue/types.ts";
import { previewComment, previewResult, type PreviewReportInput } from "../report/index.ts";
import { totalsOf } from "../report/summary.ts";

export function previewCheckName(app: string): string {
  return `ferry preview: ${app}`;
}

/** What a check_run.rerequested webhook hands back to find the change request again. */
export function previewExternalId(job: Pick<PreviewJob, "number">): string {
  return `preview:${job.number}`;
}

/** Check run ids by app name. */
export type PreviewChecks = Map<string, number>;

export async function startPreviewChecks(
  forge: Forge,
  job: PreviewJob,
  apps: string[],
): Promise<PreviewChecks> {
  const ids: PreviewChecks = new Map();
  if (!forge.checks) return ids;
  for (const app of apps) {
    ids.set(
      app,
      await forge.checks.start(job.repo, {
        name: previewCheckName(app),
        headSha: job.headSha,
        externalId: previewExternalId(job),
      }),
    );
  }
  return ids;
}

/** failure for blocking findings, neutral when the app's objects do not change, else success. */
export function previewConclusion(diff: AppDiff): CheckConclusion {
  const totals = totalsOf([diff]);
  if (totals.errors > 0) return "failure";
  return totals.appsChanged === 0 ? "neutral" : "success";
}

export function previewCheckResult(
  report: PreviewReportInput,
  diff: AppDiff,
  annotations: CheckAnnotation[],
): CheckRunResult {
  return {
    conclusion: previewConclusion(diff),
    title: previewResult([diff]).description,
    // The comment's own budgeting (60,000 on GitHub) keeps it under the 65,535 of a summary.
    summary: previewComment({ ...report, apps: [diff] }),
    annotations,
    ...(report.previewUrl ? { detailsUrl: report.previewUrl } : {}),
  };
}

/** The preview could not run: its runs end as failures that say why. */
export async function failPreviewChecks(
  forge: Forge,
  repo: string,
  checks: PreviewChecks,
  message: string,
): Promise<void> {
  for (const id of checks.values()) {
    await forge.checks?.finish(repo, id, {
      conclusion: "failure",
      title: "Preview failed",
      summary: `Ferry could not finish the preview:\n\n${message}\n`,
      annotations: [],
    });
  }
}
