// HTTPS token auth without the token in a URL or in argv: git reads extra configuration from
// GIT_CONFIG_COUNT/GIT_CONFIG_KEY_n/GIT_CONFIG_VALUE_n (git ≥ 2.31), which only this process
// and root can see, and the header is scoped to the remote's origin so a redirect elsewhere
// never receives it.
import type { RepoLocation } from "./types.ts";

/** GitHub takes any user with an installation token; GitLab wants "oauth2" for OAuth/PATs. */
const tokenUser = { github: "x-access-token", gitlab: "oauth2" } as const;

export interface GitAuth {
  env: Record<string, string>;
  /** Strings that must be scrubbed from anything git prints. */
  secrets: string[];
}

/** Resolved right before each git command, so a token source hands out a token valid now. */
export async function authFor(location: RepoLocation): Promise<GitAuth> {
  const token = typeof location.token === "function" ? await location.token() : location.token;
  if (!token) return { env: {}, secrets: [] };
  const origin = httpOrigin(location.url);
  if (!origin) return { env: {}, secrets: [token] }; // file:// and paths need no credentials
  const user = tokenUser[location.forgeType ?? "github"];
  const basic = Buffer.from(`${user}:${token}`).toString("base64");
  return {
    env: {
      GIT_CONFIG_COUNT: "1",
      GIT_CONFIG_KEY_0: `http.${origin}/.extraHeader`,
      GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}`,
    },
    secrets: [token, basic],
  };
}

function httpOrigin(url: string): string | undefined {
  if (!/^https?:\/\//i.test(url)) return undefined;
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}`;
}
