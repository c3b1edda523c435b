// The hidden first line that lets Ferry find its own comment again (docs/architecture.md).

export function markerPrefix(key: string): string {
  return `<!-- ferry:${key} `;
}

/** The body as posted: starts with the marker; one is added when the caller did not write it. */
export function withMarker(key: string, body: string): string {
  return body.startsWith(markerPrefix(key)) ? body : `${markerPrefix(key)}-->\n${body}`;
}

export function hasMarker(key: string, body: string | null | undefined): boolean {
  return typeof body === "string" && body.startsWith(markerPrefix(key));
}

/** Forges may hand back CRLF line ends for what was sent with LF; that is not a change. */
export function sameBody(a: string, b: string): boolean {
  return a.replace(/\r\n/g, "\n") === b.replace(/\r\n/g, "\n");
}

/** Cuts text to `max` characters, marking the cut with an ellipsis. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
