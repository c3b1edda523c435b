import { describe, expect, it } from "vitest";
import { commandMayDeploy, mayCommand, requiredPermission } from "../../../src/commands/policy.ts";
import { parseConfig } from "../../../src/config/load.ts";
import { isAppError } from "../../../src/errors.ts";
import { githubPermissionOf, gitlabPermissionOf, meetsPermission } from "../../../src/forges/permissions.ts";

const app = (name: string, forge: string, extra: Record<string, unknown> = {}) => ({
  name,
  forge,
  repo: "acme/deploy",
  destination: { cluster: "c", namespace: name },
  ...extra,
});

const config = (forges: Array<Record<string, unknown>>, apps: Array<Record<string, unknown>>) =>
  parseConfig({
    forges: forges.map((forge) => ({ webhookSecret: "s", ...forge })),
    clusters: [{ name: "c", kubeconfig: "/dev/null" }],
    apps,
  });

describe("permission levels", () => {
  it.each([
    [{ permission: "admin", role_name: "admin" }, "admin"],
    [{ permission: "write", role_name: "maintain" }, "maintain"],
    [{ permission: "read", role_name: "triage" }, "triage"],
    // A custom organization role: the base role it inherits decides.
    [{ permission: "write", role_name: "release-manager" }, "write"],
    [{ permission: "none" }, "none"],
    [{ permission: "surprise" }, "none"],
  ])("GitHub %j → %s", (answer, level) => {
    expect(githubPermissionOf(answer)).toBe(level);
  });

  it.each([
    [0, "none"],
    [10, "guest"],
    [20, "reporter"],
    [30, "developer"],
    [40, "maintainer"],
    [50, "owner"],
    [35, "developer"],
    [60, "owner"],
  ])("GitLab access_level %i → %s", (level, name) => {
    expect(gitlabPermissionOf(level)).toBe(name);
  });

  it("orders each forge's levels and never passes an unknown name", () => {
    expect(meetsPermission("github", "maintain", "write")).toBe(true);
    expect(meetsPermission("github", "triage", "write")).toBe(false);
    expect(meetsPermission("gitlab", "developer", "developer")).toBe(true);
    expect(meetsPermission("gitlab", "reporter", "developer")).toBe(false);
    expect(meetsPermission("gitlab", "write", "developer")).toBe(false);
    expect(meetsPermission("github", "admin", "developer")).toBe(false);
  });
});

describe("command policy", () => {
  const { forges, apps } = config(
    [
      { name: "gh", type: "github" },
      { name: "gl", type: "gitlab", commands: { minPermission: "maintainer" } },
    ],
    [
      app("web", "gh"),
      app("db", "gh", { commands: { minPermission: "admin" } }),
      app("gl-web", "gl"),
      app("gl-api", "gl", { commands: { minPermission: "reporter" } }),
      app("manual", "gh", { sync: { auto: false } }),
      app("manual-ok", "gh", { sync: { auto: false }, commands: { allow: true } }),
      app("auto-off", "gh", { commands: { allow: false } }),
    ],
  );
  const forge = (name: string) => forges.find((f) => f.name === name)!;
  const byName = (name: string) => apps.find((a) => a.name === name)!;

  it("needs write on GitHub and Developer on GitLab unless the forge or the app says otherwise", () => {
    const plain = config([{ name: "gl", type: "gitlab" }], [app("x", "gl")]);
    expect(requiredPermission(plain.forges[0]!, plain.apps[0]!)).toBe("developer");
    expect(requiredPermission(forge("gh"), byName("web"))).toBe("write");
    expect(requiredPermission(forge("gh"), byName("db"))).toBe("admin");
    expect(requiredPermission(forge("gl"), byName("gl-web"))).toBe("maintainer");
    expect(requiredPermission(forge("gl"), byName("gl-api"))).toBe("reporter");
    expect(mayCommand(forge("gh"), byName("web"), "read")).toBe(false);
    expect(mayCommand(forge("gh"), byName("web"), "write")).toBe(true);
    expect(mayCommand(forge("gh"), byName("db"), "maintain")).toBe(false);
    expect(mayCommand(forge("gl"), byName("gl-api"), "reporter")).toBe(true);
  });

  it("deploys an auto: false app by command only when the app allows commands", () => {
    const open = { allowCommands: true };
    expect(commandMayDeploy(byName("web"), open)).toBe(true);
    expect(commandMayDeploy(byName("manual"), open)).toBe(false);
    expect(commandMayDeploy(byName("manual-ok"), open)).toBe(true);
    expect(commandMayDeploy(byName("auto-off"), open)).toBe(false);
  });

  it("deploys no app by command when its project says allowCommands: false, whatever the app says", () => {
    const closed = { allowCommands: false };
    expect(commandMayDeploy(byName("web"), closed)).toBe(false);
    expect(commandMayDeploy(byName("manual-ok"), closed)).toBe(false);
  });

  it("refuses a level the app's forge does not know, and a forge level of the other forge, with exact paths", () => {
    const wrong = () =>
      config(
        [{ name: "gh", type: "github" }],
        [app("web", "gh", { commands: { minPermission: "developer" } })],
      );
    expect(wrong).toThrow(
      'apps[0].commands.minPermission: "developer" is not a github permission (none, read, triage, write, maintain, admin)',
    );
    try {
      config([{ name: "gl", type: "gitlab", commands: { minPermission: "write" } }], []);
      expect.unreachable();
    } catch (error) {
      expect(isAppError(error, "CONFIG_INVALID")).toBe(true);
      expect((error as Error).message).toMatch(/forges\[0\]\.commands\.minPermission: Invalid option/);
    }
  });
});
