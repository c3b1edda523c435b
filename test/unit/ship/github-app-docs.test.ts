// The App-specific meaning of docs/github-app.md's snippets (that they pass `ferry config
// check` is test/e2e/docs-snippets.test.ts's job): the ferry.yaml's forge builds (the key read from the environment or from a file), and
// the App manifest asks for exactly the permissions and events the page lists.
import { generateKeyPairSync } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfigText } from "../../../src/config/load.ts";
import { createForge } from "../../../src/forges/index.ts";
import { fences } from "../../support/docs.ts";

function blocks(language: string): string[] {
  return fences("docs/github-app.md")
    .filter((fence) => fence.lang === language)
    .map((fence) => fence.body);
}

describe("docs/github-app.md", () => {
  it("has ferry.yaml snippets that configure a working App forge", async () => {
    const yamlBlocks = blocks("yaml");
    expect(yamlBlocks).toHaveLength(2);
    const pem = generateKeyPairSync("rsa", { modulusLength: 2048 })
      .privateKey.export({ type: "pkcs1", format: "pem" })
      .toString();
    const dir = await mkdtemp(join(tmpdir(), "ferry-app-docs-"));
    try {
      const keyFile = join(dir, "github-app.pem");
      await writeFile(keyFile, pem);
      const env = { GITHUB_WEBHOOK_SECRET: "s", GITHUB_APP_PRIVATE_KEY: pem.replace(/\n/g, "\\n") };
      for (const block of yamlBlocks) {
        const config = parseConfigText(block.replace("/etc/ferry/github-app.pem", keyFile), env);
        const forge = config.forges[0];
        expect(forge?.type === "github" && forge.app?.id).toBe(123456);
        const built = forge ? createForge(forge) : undefined;
        expect(built?.checks).toBeDefined();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("has an App manifest with the permissions and events the page lists", () => {
    const [json] = blocks("json");
    const manifest = JSON.parse(json ?? "") as {
      default_permissions: Record<string, string>;
      default_events: string[];
      hook_attributes: { url: string };
    };
    expect(manifest.default_permissions).toEqual({
      contents: "read",
      pull_requests: "write",
      checks: "write",
      statuses: "write",
      issues: "write",
      members: "read",
      metadata: "read",
    });
    expect(manifest.default_events.sort()).toEqual(
      ["check_run", "check_suite", "issue_comment", "pull_request", "push"].sort(),
    );
    expect(manifest.hook_attributes.url).toMatch(/\/webhooks\/github$/);
  });
});
