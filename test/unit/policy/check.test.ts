// The project's rules on rendered objects and the ownership rule, on plain objects.
import { describe, expect, it } from "vitest";
import { appSchema } from "../../../src/config/schema.ts";
import { TRACKING_ANNOTATION, type KubeObject } from "../../../src/kube/types.ts";
import { checkObjects, policyError } from "../../../src/policy/check.ts";
import { assertMayApply, ownedBy, ownerOf } from "../../../src/policy/ownership.ts";
import { builtInProject, globMatches, type Project } from "../../../src/policy/project.ts";
import { resolveScope } from "../../../src/sync/scope.ts";

const app = appSchema.parse({
  name: "web",
  forge: "gh",
  repo: "acme/deploy",
  destination: { cluster: "prod", namespace: "web" },
});
const object = (apiVersion: string, kind: string, name: string, namespace?: string): KubeObject => ({
  apiVersion,
  kind,
  metadata: { name, ...(namespace === undefined ? {} : { namespace }) },
});
const team: Project = {
  name: "team",
  builtIn: false,
  destinations: [{ cluster: "prod", namespace: "web*" }],
  clusterResources: [{ group: "rbac.authorization.k8s.io", kind: "ClusterRole" }],
  namespacedResourcesDenied: [{ group: "", kind: "Secret" }],
  allowCommands: true,
  allowAdoption: false,
};
const check = (project: Project, objects: KubeObject[]) =>
  checkObjects(project, app, objects, resolveScope(objects));

describe("project rules", () => {
  it("globs match whole names with * and ? only", () => {
    expect(globMatches("web*", "web-canary")).toBe(true);
    expect(globMatches("web*", "kube-system")).toBe(false);
    expect(globMatches("w?b", "web")).toBe(true);
    expect(globMatches("w.b", "web")).toBe(false);
  });

  it("refuses a namespace outside the destinations and names object and rule", () => {
    const found = check(team, [
      object("v1", "ConfigMap", "ok", "web-canary"),
      object("v1", "ConfigMap", "aws-auth", "kube-system"),
    ]);
    expect(found).toEqual([
      {
        key: "/ConfigMap/kube-system/aws-auth",
        object: "ConfigMap kube-system/aws-auth",
        rule: "namespace kube-system on cluster prod is not a destination of project team (allowed: prod/web*)",
      },
    ]);
    expect(policyError(app, found).message).toContain(
      "ConfigMap kube-system/aws-auth: namespace kube-system",
    );
  });

  it("allows only listed cluster-scoped kinds and refuses denied namespaced kinds", () => {
    const found = check(team, [
      object("rbac.authorization.k8s.io/v1", "ClusterRole", "reader"),
      object("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", "admin"),
      object("v1", "Secret", "token", "web"),
    ]);
    expect(found.map((v) => v.rule)).toEqual([
      "cluster-scoped kind rbac.authorization.k8s.io/ClusterRoleBinding is not allowed by project team (clusterResources)",
      "kind Secret is denied by project team (namespacedResourcesDenied)",
    ]);
  });

  it("the built-in project allows the own namespace and creating it, nothing cluster-scoped else", () => {
    const project = builtInProject(app);
    const found = check(project, [
      object("v1", "Namespace", "web"),
      object("v1", "Namespace", "other"),
      object("apps/v1", "Deployment", "web", "web"),
      object("apps/v1", "Deployment", "web", "web-canary"),
    ]);
    expect(found.map((v) => v.object)).toEqual(["Namespace other", "Deployment.apps web-canary/web"]);
  });

  it("takes the scope from discovery over the render (a custom kind the cluster serves cluster-scoped)", () => {
    const widget = object("example.com/v1", "Widget", "w", "web");
    expect(check(team, [widget])).toEqual([]);
    const scoped = resolveScope([widget], () => "Cluster");
    expect(checkObjects(team, app, [widget], scoped).map((v) => v.rule)).toEqual([
      "cluster-scoped kind example.com/Widget is not allowed by project team (clusterResources)",
    ]);
  });
});

describe("ownership", () => {
  const live = (id: string | undefined): KubeObject => ({
    ...object("v1", "ConfigMap", "shared", "web"),
    metadata: {
      name: "shared",
      namespace: "web",
      ...(id ? { annotations: { [TRACKING_ANNOTATION]: id } } : {}),
    },
  });

  it("refuses another app's object and names the owner, unless adoption is allowed", () => {
    const other = live("api:/ConfigMap:web/shared");
    expect(ownerOf(other)).toBe("api");
    expect(() => assertMayApply("web", other, false)).toThrow(
      "ConfigMap web/shared is owned by app api; app web's project does not allow adoption",
    );
    expect(() => assertMayApply("web", other, true)).not.toThrow();
    expect(() => assertMayApply("web", live(undefined), false)).not.toThrow();
    expect(() => assertMayApply("web", live("web:/ConfigMap:web/shared"), false)).not.toThrow();
  });

  it("owns only what carries its exact tracking id", () => {
    expect(ownedBy("web", live("web:/ConfigMap:web/shared"))).toBe(true);
    expect(ownedBy("web", live(undefined))).toBe(false);
    expect(ownedBy("web", live("api:/ConfigMap:web/shared"))).toBe(false);
  });
});
