// Repository permission levels, weakest first, as each forge names them. GitHub: the
// collaborator permission endpoint's `role_name` (docs.github.com/en/rest/collaborators/
// collaborators#get-repository-permissions-for-a-user); GitLab: the member access levels
// (docs.gitlab.com/api/members/#roles). "none" is what Ferry calls a commenter who is not a
// member at all.
export const githubPermissions = ["none", "read", "triage", "write", "maintain", "admin"] as const;
export const gitlabPermissions = [
  "none",
  "minimal",
  "guest",
  "planner",
  "reporter",
  "developer",
  "maintainer",
  "owner",
] as const;

export type GithubPermission = (typeof githubPermissions)[number];
export type GitlabPermission = (typeof gitlabPermissions)[number];

export const permissionsOf: Record<"github" | "gitlab", readonly string[]> = {
  github: githubPermissions,
  gitlab: gitlabPermissions,
};

/** Who may run `/ferry` commands when ferry.yaml does not say: people who may push. */
export const defaultMinPermission = { github: "write", gitlab: "developer" } as const;

// GitLab's numeric access_level → name (docs.gitlab.com/api/access_requests/#valid-access-levels).
const gitlabLevels: ReadonlyMap<number, GitlabPermission> = new Map([
  [0, "none"],
  [5, "minimal"],
  [10, "guest"],
  [15, "planner"],
  [20, "reporter"],
  [30, "developer"],
  [40, "maintainer"],
  [50, "owner"],
]);

/** An access level GitLab may add later counts as the highest known level below it. */
export function gitlabPermissionOf(accessLevel: number): GitlabPermission {
  let best: GitlabPermission = "none";
  for (const [level, name] of gitlabLevels) if (accessLevel >= level) best = name;
  return best;
}

/**
 * GitHub's `role_name` is one of the five base roles or the name of an organization's custom
 * role; a custom role inherits a base role, which `permission` (admin/write/read/none) reflects.
 */
export function githubPermissionOf(answer: {
  permission: string;
  role_name?: string | undefined;
}): GithubPermission {
  const role = githubPermissions.find((name) => name === answer.role_name);
  if (role) return role;
  return githubPermissions.find((name) => name === answer.permission) ?? "none";
}

/** True when `actual` is at least `required` on forge `type`; unknown names never pass. */
export function meetsPermission(type: "github" | "gitlab", actual: string, required: string): boolean {
  const order = permissionsOf[type];
  const have = order.indexOf(actual);
  const need = order.indexOf(required);
  return have >= 0 && need >= 0 && have >= need;
}
