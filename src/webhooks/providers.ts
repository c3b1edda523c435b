import type { ForgeConfig } from "../config/schema.ts";
import { githubProvider } from "./github/index.ts";
import { gitlabProvider } from "./gitlab/index.ts";
import type { WebhookProvider } from "./types.ts";

/** One inbound provider per forge type. */
export const webhookProviders: ReadonlyMap<ForgeConfig["type"], WebhookProvider> = new Map([
  ["github", githubProvider],
  ["gitlab", gitlabProvider],
]);
