import { describe, expect, it } from "vitest";
import { authFor } from "../../../src/git/auth.ts";
import { gitEnv } from "../../../src/git/run.ts";
import { scrubSecrets } from "../../../src/render/scrub.ts";

describe("git token auth", () => {
  it("passes a GitHub token as a Basic header scoped to the remote's origin, through the environment", async () => {
    const auth = await authFor({
      repo: "a/b",
      url: "https://github.com/a/b.git",
      token: "ghs_abc123456789",
      forgeType: "github",
    });
    expect(auth.env).toEqual({
      GIT_CONFIG_COUNT: "1",
      GIT_CONFIG_KEY_0: "http.https://github.com/.extraHeader",
      GIT_CONFIG_VALUE_0: `Authorization: Basic ${Buffer.from("x-access-token:ghs_abc123456789").toString("base64")}`,
    });
    expect(auth.secrets).toContain("ghs_abc123456789");
  });

  it("uses oauth2 as the user for GitLab and nothing for local repositories", async () => {
    const gitlab = await authFor({
      repo: "g/p",
      url: "https://gitlab.example.com/g/p.git",
      token: "glpat-x",
      forgeType: "gitlab",
    });
    expect(gitlab.env.GIT_CONFIG_VALUE_0).toBe(
      `Authorization: Basic ${Buffer.from("oauth2:glpat-x").toString("base64")}`,
    );
    expect((await authFor({ repo: "a/b", url: "/srv/repo", token: "t0ken" })).env).toEqual({});
  });

  it("asks a token source again for every git command (an App's installation token is renewed)", async () => {
    const issued = ["ghs_first_installation_token", "ghs_second_installation_token"];
    let asked = 0;
    const location = {
      repo: "a/b",
      url: "https://github.com/a/b.git",
      forgeType: "github" as const,
      token: () => Promise.resolve(issued[asked++] ?? "none"),
    };
    const first = await authFor(location);
    const second = await authFor(location);
    expect(asked).toBe(2);
    expect(first.secrets).toContain("ghs_first_installation_token");
    expect(second.secrets).toContain("ghs_second_installation_token");
    expect(second.env.GIT_CONFIG_VALUE_0).toBe(
      `Authorization: Basic ${Buffer.from("x-access-token:ghs_second_installation_token").toString("base64")}`,
    );
    // Never in the URL.
    expect(JSON.stringify(second.env)).not.toContain("ghs_second_installation_token@");
  });

  it("seals git from system and global config and from prompts", () => {
    const env = gitEnv();
    expect(env).toMatchObject({
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_CONFIG_GLOBAL: "/dev/null",
      GIT_TERMINAL_PROMPT: "0",
    });
  });
});

describe("scrubSecrets", () => {
  it("removes given secrets, their base64 and anything shaped like a credential", () => {
    const header = Buffer.from("x-access-token:s3cr3t-value").toString("base64");
    const text = [
      "fatal: could not read from https://user:s3cr3t-value@github.com/a/b.git",
      `Authorization: Basic ${header}`,
      "token ghp_0123456789abcdefghij0123456789abcdef and glpat-abcdefghijklmnopqrst",
      `raw s3cr3t-value and ${header}`,
    ].join("\n");
    const clean = scrubSecrets(text, ["s3cr3t-value"]);
    expect(clean).not.toMatch(/s3cr3t|ghp_0123|glpat-abc/);
    expect(clean).not.toContain(header);
    expect(clean).toContain("github.com/a/b.git");
  });
});
