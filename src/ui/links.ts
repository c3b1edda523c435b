// Links from the UI to the forge: a revision to its commit page. A change request's own URL
// (kept in the deploy cause) is the surest base; otherwise the forge's configured address.
import type { AppConfig, ForgeConfig } from "../config/schema.ts";
import { commitUrlTemplate } from "../preview/publish.ts";
import { commitUrl } from "../report/summary.ts";
import type { DeploymentRecord } from "../sync/history.ts";

/** The forge's web address: GitHub's API URL names it (api.github.com, <host>/api/v3). */
function webBase(forge: ForgeConfig): string {
  if (forge.type === "gitlab") return forge.url.replace(/\/+$/, "");
  const api = new URL(forge.apiUrl);
  if (api.hostname === "api.github.com") return "https://github.com";
  return `${api.origin}${api.pathname.replace(/\/api\/v3\/?$/, "").replace(/\/+$/, "")}`;
}

export function revisionUrl(
  forges: readonly ForgeConfig[],
  app: AppConfig,
  revision: string,
  record?: DeploymentRecord,
): string | undefined {
  const fromChange =
    record?.cause?.kind === "changeRequest" ? commitUrlTemplate(record.cause.url) : undefined;
  if (fromChange !== undefined) return commitUrl(fromChange, revision);
  const forge = forges.find((candidate) => candidate.name === app.forge);
  if (forge === undefined) return undefined;
  const path = forge.type === "gitlab" ? "/-/commit/" : "/commit/";
  return `${webBase(forge)}/${app.repo}${path}${encodeURIComponent(revision)}`;
}
