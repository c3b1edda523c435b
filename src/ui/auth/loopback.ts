/** Loopback hosts: only this machine can reach a server bound to them, or a provider there. */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || host === "[::1]" || /^127\./.test(host);
}
