// The sticky preview comment (docs/architecture.md). Header, table, blocking findings and footer are
// always kept; the per-app sections get what is left of the forge's size budget.
import type { AppDiff } from "../diff/types.ts";
import { DEFAULT_SENSITIVE_KEY_PATTERN } from "../diff/mask.ts";
import { noiseFilterDescription } from "../diff/normalize.ts";
import { POLICY_REASON } from "../policy/check.ts";
import { OWNED_REASON } from "../policy/ownership.ts";
import { clip, escapeMarkdown, fenced, inlineCode, link } from "./markdown.ts";
import { appSection, fitSections, sectionText } from "./sections.ts";
import {
  checksText,
  commitUrl,
  countsText,
  ignoreDifferencesText,
  plural,
  resourceName,
  shortSha,
  totalsOf,
  verdictIcon,
  verdictText,
} from "./summary.ts";

/** Characters per comment: GitHub refuses more than 65,536; GitLab notes allow 1,000,000. */
export const COMMENT_BUDGETS = { github: 60_000, gitlab: 900_000 } as const;

export interface PreviewReportInput {
  /** The forge's name in ferry.yaml (`forges[].name`). */
  forge: string;
  forgeType: keyof typeof COMMENT_BUDGETS;
  repo: string;
  /** PR or MR number. */
  number: number;
  baseSha: string;
  headSha: string;
  apps: AppDiff[];
  /** `<publicUrl>/previews/<id>` (see previewUrl), linked when the comment is truncated. */
  previewUrl?: string;
  /** e.g. `https://github.com/acme/deploy/commit/{sha}`: SHAs become links. */
  commitUrlTemplate?: string;
  /** Overrides the forge's default budget. */
  budget?: number;
  sensitiveKeyPattern?: RegExp;
}

/** Findings listed above the table's details; the rest are only in the per-app sections. */
const MAX_FINDINGS = 10;
const MAX_FINDING_CHARS = 1_000;

export function previewKey(forge: string, repo: string, number: number): string {
  return `${forge}/${repo}!${number}`;
}

export function previewMarker(
  input: Pick<PreviewReportInput, "forge" | "repo" | "number" | "headSha">,
): string {
  // "-->" would end the comment early; forge names and repos cannot hold ">" anyway.
  const key = previewKey(input.forge, input.repo, input.number).replaceAll(">", "");
  return `<!-- ferry:preview key=${key} head=${input.headSha.replaceAll(">", "")} -->`;
}

/** Reads the marker back from a comment body (first line), e.g. to skip superseded runs. */
export function parsePreviewMarker(body: string): { key: string; head: string } | undefined {
  const match = /^<!-- ferry:preview key=(\S+) head=(\S+) -->/.exec(body);
  return match?.[1] === undefined || match[2] === undefined ? undefined : { key: match[1], head: match[2] };
}

export function previewComment(input: PreviewReportInput): string {
  const apps = [...input.apps].sort((a, b) => (a.app < b.app ? -1 : a.app > b.app ? 1 : 0));
  const head = `${headerText(input, apps)}${tableText(apps)}${findingsText(apps)}`;
  const sections = apps.map(appSection);
  const full = sections.map((section) => `${sectionText(section)}\n`).join("");
  const budget = input.budget ?? COMMENT_BUDGETS[input.forgeType];
  const untruncated = `${head}${full}${footerText(input, apps, false)}`;
  if (untruncated.length <= budget) return untruncated;
  const footer = footerText(input, apps, true);
  const fitted = fitSections(sections, budget - head.length - footer.length);
  return `${head}${fitted.text}${footer}`;
}

function headerText(input: PreviewReportInput, apps: readonly AppDiff[]): string {
  const totals = totalsOf(apps);
  const counts = [
    `**${countsText(totals)}**`,
    `${totals.appsChanged} of ${plural(totals.appsTotal, "app")} changed`,
    plural(totals.errors, "blocking error"),
  ].join(" · ");
  const sha = (value: string): string =>
    link(inlineCode(shortSha(value)), commitUrl(input.commitUrlTemplate, value));
  return [
    previewMarker(input),
    `### ${verdictIcon(totals)} Ferry preview: ${verdictText(totals)}`,
    "",
    counts,
    "",
    `Base ${sha(input.baseSha)} → head ${sha(input.headSha)}`,
    "",
    "",
  ].join("\n");
}

function tableText(apps: readonly AppDiff[]): string {
  if (apps.length === 0) return "_No app is affected by this change._\n\n";
  const rows = apps.map((app) =>
    [
      escapeMarkdown(app.app),
      escapeMarkdown(`${app.cluster} / ${app.namespace}`),
      escapeMarkdown(app.sourceType),
      countsText(app.counts),
      checksText(app),
    ].join(" | "),
  );
  return ["| App | Cluster / namespace | Source | Changes | Checks |", "| --- | --- | --- | --- | --- |"]
    .concat(rows.map((row) => `| ${row} |`))
    .join("\n")
    .concat("\n\n");
}

interface Finding {
  title: string;
  message: string;
}

function findingsOf(apps: readonly AppDiff[]): Finding[] {
  const findings: Finding[] = [];
  for (const app of apps) {
    const name = `**${escapeMarkdown(app.app)}**`;
    if (app.error !== undefined)
      findings.push({ title: `${name}: rendering failed`, message: app.error.message });
    for (const change of app.changes) {
      if (change.error === undefined) continue;
      const what = escapeMarkdown(`${change.kind} ${resourceName(change)}`);
      findings.push({
        title: `${name} · ${what}: ${failureWords(change.error)}`,
        message: change.error.message,
      });
    }
  }
  return findings;
}

/** What kind of finding: the project's refusal and ownership come before any dry-run. */
function failureWords(error: { reason?: string }): string {
  if (error.reason === POLICY_REASON) return "refused by the app's project";
  if (error.reason === OWNED_REASON) return "owned by another app";
  return "dry-run failed";
}

/** Blocking findings go above the details: they are the reason the status is red. */
function findingsText(apps: readonly AppDiff[]): string {
  const findings = findingsOf(apps);
  if (findings.length === 0) return "";
  const shown = findings
    .slice(0, MAX_FINDINGS)
    .map((f) => `❌ ${f.title}\n\n${fenced(clip(f.message, MAX_FINDING_CHARS), "text")}\n\n`);
  const more =
    findings.length > MAX_FINDINGS
      ? `_${plural(findings.length - MAX_FINDINGS, "more blocking error")} in the details._\n\n`
      : "";
  return `#### Blocking\n\n${shown.join("")}${more}`;
}

function footerText(input: PreviewReportInput, apps: readonly AppDiff[], truncated: boolean): string {
  const pattern = input.sensitiveKeyPattern ?? DEFAULT_SENSITIVE_KEY_PATTERN;
  const ignored = ignoreDifferencesText(apps);
  const lines = [
    "---",
    truncated
      ? input.previewUrl === undefined
        ? "**Truncated** to fit the comment size limit; set `server.publicUrl` to link the full preview."
        : `**Truncated** to fit the comment size limit: ${link("full preview", input.previewUrl)}.`
      : "",
    `<sub>Not compared (set by the server or by Ferry): ${escapeMarkdown(noiseFilterDescription().join(", "))}.</sub>`,
    ignored.length === 0
      ? ""
      : `<sub>ignoreDifferences in effect: ${escapeMarkdown(ignored.join("; "))}.</sub>`,
    `<sub>Secret values are masked (key names and byte lengths only), as are ConfigMap values under keys matching ${inlineCode(`/${pattern.source}/${pattern.flags}`)}.</sub>`,
  ];
  if (!truncated && input.previewUrl !== undefined)
    lines.push(`<sub>${link("Full preview", input.previewUrl)}</sub>`);
  return `${lines.filter((line) => line !== "").join("\n\n")}\n`;
}
