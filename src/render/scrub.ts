// Tool output ends up in MR comments and logs. Git echoes URLs with credentials, helm echoes
// values; anything shaped like a credential is replaced before it leaves the process.

const patterns: RegExp[] = [
  // user:password@ in URLs
  /(?<=[a-z][a-z0-9+.-]*:\/\/)[^/\s:@]+:[^/\s@]+@/gi,
  // Authorization headers (Basic, Bearer, token …)
  /(?<=authorization:\s*)(basic|bearer|token)\s+\S+/gi,
  // GitHub tokens (classic, fine-grained, app installation, OAuth)
  /\b(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})\b/g,
  // GitLab personal, project, group and CI job tokens
  /\b(glpat-|gldt-|glcbt-|glptt-)[A-Za-z0-9_-]{16,}\b/g,
];

const REDACTED = "[redacted]";

export function scrubSecrets(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length < 4) continue; // too short to be a credential; replacing it would mangle text
    out = out.split(secret).join(REDACTED);
    // the Basic header carries the base64 of "user:token"; scrub every plausible encoding too
    const encoded = Buffer.from(secret).toString("base64").replace(/=+$/, "");
    if (encoded.length >= 8) out = out.split(encoded).join(REDACTED);
  }
  for (const pattern of patterns) out = out.replace(pattern, REDACTED);
  return out;
}
