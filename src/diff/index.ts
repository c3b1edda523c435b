// The diff engine's public surface: callers import from here, not from the files behind it.
export { compareLive, compareRenders, countChanges, renderFailure, RENDER_ONLY_NOTE } from "./compare.ts";
export {
  blockingError,
  DEFAULT_SENSITIVE_KEY_PATTERN,
  maskOne,
  maskPair,
  sensitiveValues,
  type MaskedObject,
} from "./mask.ts";
export { noiseFilterDescription, normalize, withoutIgnored } from "./normalize.ts";
export { closeDiffPool } from "./diff-pool.ts";
export { toYaml, unifiedDiff } from "./unified.ts";
export type * from "./types.ts";
