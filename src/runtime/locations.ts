// Where an app's repository is cloned from. ferry.yaml may say it (apps[].repoUrl); otherwise
// it follows from the forge: GitHub's web host is its API host without `api.` (github.com) or
// without `/api/v3` (GitHub Enterprise Server); GitLab's is its url.
import type { AppConfig, ForgeConfig } from "../config/schema.ts";
import type { RepoLocation } from "../git/types.ts";

export function cloneUrl(app: Pick<AppConfig, "repo" | "repoUrl">, forge: ForgeConfig): string {
  if (app.repoUrl) return app.repoUrl;
  if (forge.type === "gitlab") return `${forge.url.replace(/\/+$/, "")}/${app.repo}.git`;
  const api = new URL(forge.apiUrl);
  const host = api.hostname === "api.github.com" ? "github.com" : api.host;
  return `${api.protocol}//${host}/${app.repo}.git`;
}

export function repoLocation(app: Pick<AppConfig, "repo" | "repoUrl">, forge: ForgeConfig): RepoLocation {
  return {
    repo: app.repo,
    url: cloneUrl(app, forge),
    forgeType: forge.type,
    ...(forge.token ? { token: forge.token } : {}),
  };
}
