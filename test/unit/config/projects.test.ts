// projects: in ferry.yaml (issue 12): every bad reference is refused with its exact path, and
// the documented example parses.
import { fences } from "../../support/docs.ts";
import { describe, expect, it } from "vitest";
import { parseConfig, parseConfigText } from "../../../src/config/load.ts";
import { isAppError } from "../../../src/errors.ts";
import { projectOf, serviceAccountOf } from "../../../src/policy/project.ts";

const base = {
  forges: [{ name: "gh", type: "github", insecureAcceptUnsigned: true }],
  clusters: [
    { name: "prod", kubeconfig: "/k" },
    { name: "stage", kubeconfig: "/k" },
  ],
};
const app = (extra: Record<string, unknown> = {}) => ({
  name: "web",
  forge: "gh",
  repo: "acme/deploy",
  destination: { cluster: "prod", namespace: "web" },
  ...extra,
});
const project = (extra: Record<string, unknown> = {}) => ({
  name: "team",
  destinations: [{ cluster: "prod", namespace: "web*" }],
  ...extra,
});

function problemsOf(document: Record<string, unknown>): string {
  try {
    parseConfig({ ...base, ...document }, {}, "ferry.yaml");
  } catch (error) {
    if (isAppError(error, "CONFIG_INVALID")) return error.message;
    throw error;
  }
  throw new Error("expected the configuration to be rejected");
}

describe("projects in ferry.yaml", () => {
  it("refuses an unknown project reference", () => {
    expect(problemsOf({ projects: [project()], apps: [app({ project: "teem" })] })).toContain(
      'apps[0].project: unknown project "teem"',
    );
  });

  it("refuses a project without destinations", () => {
    expect(problemsOf({ projects: [project({ destinations: [] })], apps: [] })).toContain(
      "projects[0].destinations: must list at least one destination",
    );
  });

  it("refuses a cluster glob that matches no configured cluster", () => {
    const destinations = [
      { cluster: "prod", namespace: "web" },
      { cluster: "dev-*", namespace: "web" },
    ];
    expect(problemsOf({ projects: [project({ destinations })], apps: [] })).toContain(
      'projects[0].destinations[1].cluster: "dev-*" matches no configured cluster',
    );
  });

  it("refuses a namespace glob that can never match a namespace", () => {
    const destinations = [{ cluster: "prod", namespace: "Web_*" }];
    expect(problemsOf({ projects: [project({ destinations })], apps: [] })).toContain(
      "projects[0].destinations[0].namespace: must be a namespace name or a glob of one",
    );
  });

  it("refuses an app whose destination is outside its project", () => {
    const apps = [app({ project: "team", destination: { cluster: "stage", namespace: "web" } })];
    expect(problemsOf({ projects: [project()], apps })).toContain(
      'apps[0].destination: stage/web is not a destination of project "team"',
    );
  });

  it("refuses overlapping destinations that name different ServiceAccounts", () => {
    const destinations = [
      { cluster: "prod", namespace: "web*", serviceAccount: "deployer" },
      { cluster: "*", namespace: "web", serviceAccount: "admin" },
    ];
    expect(problemsOf({ projects: [project({ destinations })], apps: [app({ project: "team" })] })).toContain(
      'apps[0].destination: overlapping destinations of project "team" name different serviceAccounts (deployer, admin)',
    );
  });

  it("refuses duplicate project names and kinds listed twice", () => {
    const twice = [
      { group: "", kind: "Namespace" },
      { group: "", kind: "Namespace" },
    ];
    const message = problemsOf({ projects: [project({ clusterResources: twice }), project()], apps: [] });
    expect(message).toContain('projects[1].name: duplicate name "team"');
    expect(message).toContain("projects[0].clusterResources[1]: /Namespace is listed twice");
  });

  it("gives an app without project a built-in project of its own namespace, without impersonation", () => {
    const config = parseConfig({ ...base, apps: [app()] }, {});
    const builtIn = projectOf(config, config.apps[0]!);
    expect(builtIn).toMatchObject({
      builtIn: true,
      destinations: [{ cluster: "prod", namespace: "web" }],
      clusterResources: [],
      allowAdoption: false,
    });
    expect(serviceAccountOf(builtIn, config.apps[0]!)).toBeUndefined();
  });

  it("parses the example of docs/configuration.md and resolves its ServiceAccount", () => {
    const snippet = fences("docs/configuration.md").find(
      (fence) => fence.lang === "yaml" && fence.body.includes("\nprojects:\n"),
    )?.body;
    expect(snippet, "docs/configuration.md has a projects example").toBeDefined();
    const config = parseConfigText(snippet ?? "", { GITHUB_WEBHOOK_SECRET: "s" });
    const payments = config.apps.find((candidate) => candidate.name === "payments");
    expect(payments).toBeDefined();
    const resolved = projectOf(config, payments!);
    expect(resolved.name).toBe("payments");
    expect(serviceAccountOf(resolved, payments!)).toEqual({
      namespace: "payments-prod",
      name: "ferry-deployer",
    });
  });
});
