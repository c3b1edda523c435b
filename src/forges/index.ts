// Picks a forge implementation by the `type` in ferry.yaml. Callers get a `Forge` and never
// learn which one it is.
import type { FerryConfig, ForgeConfig } from "../config/schema.ts";
import { AppError } from "../errors.ts";
import { GithubForge } from "./github/index.ts";
import { GitlabForge } from "./gitlab/index.ts";
import { OfflineForge } from "./offline.ts";
import { resolveForgeOptions, type ForgeOptions, type ResolvedForgeOptions } from "./options.ts";
import type { Forge } from "./types.ts";

type Factory<T extends ForgeConfig["type"]> = (
  config: Extract<ForgeConfig, { type: T }>,
  options: ResolvedForgeOptions,
) => Forge;

const factories = new Map<ForgeConfig["type"], Factory<never>>([
  ["github", ((config, options) => new GithubForge(config, options)) satisfies Factory<"github">],
  ["gitlab", ((config, options) => new GitlabForge(config, options)) satisfies Factory<"gitlab">],
]);

export function createForge(config: ForgeConfig, options: ForgeOptions = {}): Forge {
  if (!config.token && !(config.type === "github" && config.app))
    return new OfflineForge(config.name, config.type, options.logger);
  const factory = factories.get(config.type) as Factory<typeof config.type> | undefined;
  if (!factory)
    throw new AppError("FORGE_UNKNOWN", `no forge implementation for type ${String(config.type)}`);
  return factory(config, resolveForgeOptions(options));
}

/** One client per configured forge, keyed by its `name`. */
export function createForges(
  config: Pick<FerryConfig, "forges">,
  options: ForgeOptions = {},
): Map<string, Forge> {
  return new Map(config.forges.map((forge) => [forge.name, createForge(forge, options)]));
}

export type { ForgeOptions } from "./options.ts";
export type * from "./types.ts";
