// Where an app's repository is cloned from. ferry.yaml may say it (apps[].repoUrl); otherwise
// it follows from the forge: GitHub's web host is its API host without `api.` (github.com) or
// without `/api/v3` (GitHub Enterprise Server); GitLab's is its url.
import type { AppConfig, ForgeConfig } from "../config/schema.ts";
import type { Forge } from "../forges/types.ts";
import type { RepoLocation } from "../git/types.ts";

export function cloneUrl(app: Pick<AppConfig, "repo" | "repoUrl">, forge: ForgeConfig): string {
  if (app.repoUrl) return app.repoUrl;
  if (forge.type === "gitlab") return `${forge.url.replace(/\/+$/, "")}/${app.repo}.git`;
  const api = new URL(forge.apiUrl);
  const host = api.hostname === "api.github.com" ? "github.com" : api.host;
  return `${api.protocol}//${host}/${app.repo}.git`;
}

/**
 * A configured token is used as it is; a GitHub App's installation token is asked of the forge
 * client before each fetch (it expires within the hour and is renewed by the client).
 */
export function repoLocation(
  app: Pick<AppConfig, "repo" | "repoUrl">,
  forge: ForgeConfig,
  client?: Pick<Forge, "gitToken">,
): RepoLocation {
  const { gitToken } = client ?? {};
  const isApp = forge.type === "github" && forge.app !== undefined;
  return {
    repo: app.repo,
    url: cloneUrl(app, forge),
    forgeType: forge.type,
    ...(forge.token ? { token: forge.token } : {}),
    ...(isApp && gitToken ? { token: () => gitToken.call(client, app.repo) } : {}),
  };
}
