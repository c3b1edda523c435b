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

/** Forges everyone knows, besides the configured ones. */
const PUBLIC_FORGES = [
  { base: "https://github.com", type: "github" },
  { base: "https://gitlab.com", type: "gitlab" },
] as const;

/**
 * The commit page of an image's source (its OCI labels, as an image update recorded them), when
 * the source repository is on a known forge: github.com, gitlab.com or one of ferry.yaml's.
 * Anything else gets no link (the page shows the URL as text).
 */
export function sourceCommitUrl(
  forges: readonly ForgeConfig[],
  source: string | undefined,
  revision: string | undefined,
): string | undefined {
  if (source === undefined || revision === undefined || !/^[0-9a-f]{7,64}$/.test(revision)) return undefined;
  let url: URL;
  try {
    url = new URL(source);
  } catch {
    return undefined;
  }
  if (url.protocol !== "https:" || url.search !== "" || url.hash !== "" || url.username !== "")
    return undefined;
  const repository = `${url.origin}${url.pathname.replace(/\.git$/, "").replace(/\/+$/, "")}`;
  const known = [
    ...PUBLIC_FORGES,
    ...forges.map((forge) => ({ base: webBase(forge), type: forge.type })),
  ].find((forge) => repository.startsWith(`${forge.base}/`) && repository.length > forge.base.length + 1);
  if (known === undefined) return undefined;
  return `${repository}${known.type === "gitlab" ? "/-/commit/" : "/commit/"}${revision}`;
}
