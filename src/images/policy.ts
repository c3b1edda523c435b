// Which of a repository's tags an image policy takes: the newest tag its semver range accepts,
// or the newest tag its pattern matches, ordered by the pattern's first named group. Tags come
// from a registry, i.e. from outside: a tag that is not a valid OCI tag is never considered, so
// nothing but [A-Za-z0-9_.-] can ever reach a file (src/images/markers.ts checks again).
import semver from "semver";
import type { ImagePolicy } from "../config/schema.ts";

/** The OCI distribution spec's tag grammar. */
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;

export function isValidTag(tag: string): boolean {
  return TAG.test(tag);
}

export function isValidDigest(digest: string): boolean {
  return DIGEST.test(digest);
}

/** A pattern as written in ferry.yaml; Python's `(?P<name>` is accepted as JavaScript's `(?<name>`. */
function compilePattern(pattern: string): RegExp {
  return new RegExp(pattern.replaceAll("(?P<", "(?<"), "u");
}

/** Why a policy cannot be used, or undefined when it can (checked when ferry.yaml is loaded). */
export function policyProblem(policy: ImagePolicy): string | undefined {
  if ("semver" in policy)
    return semver.validRange(policy.semver) === null ? `"${policy.semver}" is not a semver range` : undefined;
  try {
    compilePattern(policy.pattern);
    return undefined;
  } catch (error) {
    return `"${policy.pattern}" is not a regular expression: ${(error as Error).message}`;
  }
}

/** The key a matching tag is ordered by: its first named group, else the whole tag. */
function sortKey(match: RegExpExecArray): string {
  const groups = match.groups ? Object.values(match.groups) : [];
  return groups[0] ?? match[0];
}

/** Compares decimal strings of any length by value (timestamps overflow nothing this way). */
function compareNumeric(a: string, b: string): number {
  const x = a.replace(/^0+(?=\d)/, "");
  const y = b.replace(/^0+(?=\d)/, "");
  return x.length - y.length || (x < y ? -1 : x > y ? 1 : 0);
}

/** The newest tag the policy accepts, or undefined when it accepts none. */
export function newestTag(policy: ImagePolicy, tags: Iterable<string>): string | undefined {
  const valid = [...tags].filter(isValidTag);
  if ("semver" in policy) return semver.maxSatisfying(valid, policy.semver) ?? undefined;
  // The pattern must match the whole tag, so that "^main-" cannot pick "main-1-rollback".
  const regex = compilePattern(policy.pattern);
  let best: { tag: string; key: string } | undefined;
  for (const tag of valid) {
    const match = regex.exec(tag);
    if (!match || match.index !== 0 || match[0].length !== tag.length) continue;
    const key = sortKey(match);
    if (policy.order === "numeric" && !/^\d+$/.test(key)) continue;
    const later =
      best === undefined || (policy.order === "numeric" ? compareNumeric(key, best.key) > 0 : key > best.key);
    if (later) best = { tag, key };
  }
  return best?.tag;
}

/** Whether `candidate` is newer than `current` under the policy (a tag it does not accept never is). */
export function isNewer(policy: ImagePolicy, candidate: string, current: string): boolean {
  return newestTag(policy, [current, candidate]) === candidate && candidate !== current;
}
