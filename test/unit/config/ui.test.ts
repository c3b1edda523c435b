// ferry.yaml's `ui` section: sign-in settings are validated with clear errors, and roles map
// groups to read, sync and admin per project (globs, apps without a project under `*`).
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../src/config/load.ts";
import { isAppError } from "../../../src/errors.ts";
import { roleOn } from "../../../src/ui/auth/roles.ts";

const oidc = {
  issuer: "https://idp.example",
  clientId: "ferry",
  clientSecret: "secret",
  redirectUrl: "https://ferry.example/ui/auth/callback",
  sessionSecret: "x".repeat(32),
};

function problems(ui: unknown): string[] {
  try {
    parseConfig({ ui }, {}, "ferry.yaml");
  } catch (error) {
    if (isAppError(error, "CONFIG_INVALID")) return (error.details?.problems as string[] | undefined) ?? [];
    throw error;
  }
  return [];
}

describe("ui in ferry.yaml", () => {
  it("accepts a complete oidc block with its defaults", () => {
    const config = parseConfig({ ui: { oidc } }, {});
    expect(config.ui.oidc).toMatchObject({
      scopes: ["openid", "email", "profile", "groups"],
      groupsClaim: "groups",
    });
  });

  it("requires the session secret, a long one, the callback path and the openid scope", () => {
    const { sessionSecret: _, ...withoutSecret } = oidc;
    expect(problems({ oidc: withoutSecret })).toEqual([expect.stringContaining("ui.oidc.sessionSecret")]);
    expect(problems({ oidc: { ...oidc, sessionSecret: "short" } })).toEqual([
      expect.stringMatching(/ui\.oidc\.sessionSecret: at least 32 characters/),
    ]);
    expect(problems({ oidc: { ...oidc, redirectUrl: "https://ferry.example/callback" } })).toEqual([
      expect.stringMatching(/ui\.oidc\.redirectUrl: must end in \/ui\/auth\/callback/),
    ]);
    expect(problems({ oidc: { ...oidc, scopes: ["email"] } })).toEqual([
      expect.stringMatching(/ui\.oidc\.scopes: must include openid/),
    ]);
    expect(problems({ roles: [{ project: "p", writers: ["a"] }] })).toEqual([
      expect.stringContaining("ui.roles[0]"),
    ]);
  });

  it("gives the strongest role that a group holds on the app's project", () => {
    const config = parseConfig(
      {
        forges: [{ name: "gh", type: "github", webhookSecret: "s" }],
        clusters: [{ name: "c", inCluster: true }],
        projects: [{ name: "payments", destinations: [{ cluster: "c", namespace: "pay" }] }],
        apps: [
          {
            name: "pay",
            project: "payments",
            forge: "gh",
            repo: "o/r",
            destination: { cluster: "c", namespace: "pay" },
          },
          { name: "free", forge: "gh", repo: "o/r", destination: { cluster: "c", namespace: "free" } },
        ],
        ui: {
          roles: [
            { project: "*", read: ["eng"] },
            { project: "pay*", sync: ["payments-team"], admin: ["sre"] },
          ],
        },
      },
      {},
    );
    const [pay, free] = config.apps;
    if (!pay || !free) throw new Error("two apps");
    expect(roleOn(config, { groups: ["eng"] }, pay)).toBe("read");
    expect(roleOn(config, { groups: ["eng", "payments-team"] }, pay)).toBe("sync");
    expect(roleOn(config, { groups: ["sre", "eng"] }, pay)).toBe("admin");
    expect(roleOn(config, { groups: ["sre"] }, free)).toBe("none");
    expect(roleOn(config, { groups: ["eng"] }, free)).toBe("read");
    expect(roleOn(config, { groups: [] }, pay)).toBe("none");
    expect(roleOn(config, { groups: [], all: true }, pay)).toBe("admin");
  });
});
