// Tool output ends up in MR comments and logs. Git echoes URLs with credentials, helm echoes
// values: the output passes the one scrubber (src/observability/scrub.ts) with the credentials
// Ferry handed to the tool before it leaves the process.
import { scrubText } from "../observability/scrub.ts";

export function scrubSecrets(text: string, secrets: readonly string[] = []): string {
  return scrubText(text, secrets);
}
