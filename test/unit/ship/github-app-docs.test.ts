// The App-specific meaning of docs/github-app.md's snippets (that they pass `ferry config
// check` is test/e2e/docs-snippets.test.ts's job): the ferry.yaml's forge builds (the key read from the environment or from a file), and
// the App manifest asks for exactly the permissions and events the page lists.
import { generateKeyPairSync } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { parseConfigText } from "../../../src/config/load.ts";
import { createForge } from "../../../src/forges/index.ts";
import { installRoot } from "../../../src/runtime/install.ts";
import { fences } from "../../support/docs.ts";

function blocks(language: string): string[] {
  return fences("docs/github-app.md")
    .filter((fence) => fence.lang === language)
    .map((fence) => fence.body);
}

// The manifest's parameters as GitHub documents them
// (docs.github.com/en/apps/sharing-github-apps/registering-a-github-app-from-a-manifest#github-app-manifest-parameters):
// anything else is not a manifest GitHub would take.
const appManifest = z
  .object({
    name: z.string().min(1).max(34),
    url: z.string().url(),
    hook_attributes: z.object({ url: z.string().url(), active: z.boolean().optional() }).strict(),
    redirect_url: z.string().url().optional(),
    callback_urls: z.array(z.string().url()).max(10).optional(),
    setup_url: z.string().url().optional(),
    description: z.string().optional(),
    public: z.boolean().optional(),
    default_events: z.array(z.string().min(1)),
    default_permissions: z.record(z.string(), z.enum(["read", "write"])),
    request_oauth_on_install: z.boolean().optional(),
    setup_on_update: z.boolean().optional(),
  })
  .strict();

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

  it("has an App manifest with the permissions and events the page lists", async () => {
    const [json] = blocks("json");
    const file = await readFile(join(installRoot, "examples", "github-app-manifest.json"), "utf8");
    // The page shows the file people download: the two never drift apart.
    expect(json).toBe(file);
    const manifest = appManifest.parse(JSON.parse(file));
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
