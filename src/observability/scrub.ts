// The one scrubber. Every text that leaves Ferry — comments, commit statuses, check outputs,
// /api answers (through the records workers write for it), log lines about a job — passes
// scrubText with the secret values the job saw: the values of the Secrets (and credential-like
// ConfigMap keys) it rendered or read, in each form they could be echoed in (decoded, base64,
// JSON-escaped, long lines of PEM keys: src/diff/mask.ts sensitiveValues), and the credentials
// Ferry itself hands to git, helm and the forges. Patterns catch what no list can: credentials in
// URLs, Authorization headers, forge tokens, `token=…`-style pairs.
//
// A job builds one Scrubber from what it saw (scrubberFor) and hands it to its boundaries: the
// forge it reports through (src/forges/scrubbed.ts), the records it writes and its log lines.

export const SCRUBBED = "********";

// Shorter values are left alone: replacing every "ab" in a message would make it unreadable,
// and a 3-byte value carries too little to be a credential worth protecting this way.
const MIN_LENGTH = 4;

const patterns: Array<[RegExp, (match: string, ...groups: string[]) => string]> = [
  // user:password@ in URLs
  [/(?<=[a-z][a-z0-9+.-]*:\/\/)[^/\s:@]+:[^/\s@]+@/gi, () => `${SCRUBBED}@`],
  // Authorization headers, and bearer/basic credentials in free text
  [
    /(?<=authorization:\s*)(basic|bearer|token)(\s+)\S+/gi,
    (_m, scheme, space) => `${scheme}${space}${SCRUBBED}`,
  ],
  [/\b(Bearer|Basic)(\s+)[A-Za-z0-9._~+/-]{8,}=*/gi, (_m, name, space) => `${name}${space}${SCRUBBED}`],
  // GitHub tokens (classic, fine-grained, app installation, OAuth)
  [/\b(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})\b/g, () => SCRUBBED],
  // GitLab personal, deploy, CI job and trigger tokens
  [/\b(glpat-|gldt-|glcbt-|glptt-)[A-Za-z0-9_-]{16,}\b/g, () => SCRUBBED],
  // key=value as in URLs and environment dumps. Only with "=": "token controller" or
  // "password: must be set" in an API message are words, not credentials.
  [
    /\b(access_token|token|password|passwd|secret|api[_-]?key)(=)[^\s&"',;]{4,}/gi,
    (_m, name, separator) => `${name}${separator}${SCRUBBED}`,
  ],
];

/** Removes the given secret values (and their base64) and credential-shaped text. */
export function scrubText(text: string, secrets: readonly string[] = []): string {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret.length < MIN_LENGTH) continue;
    forms.add(secret);
    // A Basic header or a Secret's data carries the base64 form; padding varies with context.
    const encoded = Buffer.from(secret).toString("base64").replace(/=+$/, "");
    if (encoded.length >= 8) forms.add(encoded);
  }
  // Longest first, so a value that contains another is replaced whole.
  let out = text;
  for (const form of [...forms].sort((a, b) => b.length - a.length)) out = out.replaceAll(form, SCRUBBED);
  for (const [pattern, replace] of patterns) out = out.replace(pattern, replace);
  return out;
}

export interface Scrubber {
  /** The text without the job's secret values. */
  (text: string): string;
  /** A JSON-like value with every string in it scrubbed (records for the API). */
  deep<T>(value: T): T;
}

export function scrubberFor(secrets: Iterable<string>): Scrubber {
  const list = [...new Set(secrets)];
  const scrub = ((text: string) => scrubText(text, list)) as Scrubber;
  scrub.deep = <T>(value: T): T => deepScrub(value, scrub) as T;
  return scrub;
}

function deepScrub(value: unknown, scrub: (text: string) => string): unknown {
  if (typeof value === "string") return scrub(value);
  if (Array.isArray(value)) return value.map((item) => deepScrub(item, scrub));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, deepScrub(item, scrub)]));
  }
  return value;
}
