// Markdown building blocks that stay valid whatever the content: fences longer than any
// backtick run inside them, escaped inline text, escaped HTML.

/** A fence one longer than the longest backtick run in the content (at least three). */
export function fenceFor(content: string): string {
  let longest = 0;
  for (const run of content.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  return "`".repeat(Math.max(3, longest + 1));
}

/** A fenced code block; the content is kept verbatim. */
export function fenced(content: string, language: string): string {
  const fence = fenceFor(content);
  return `${fence}${language}\n${content}\n${fence}`;
}

/**
 * Escapes characters that would turn inline text into markup, links, HTML or table cells.
 * Line-start markers (#, -, +, 1.) are left alone: this text never starts a line.
 */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_[\]|<>~&]/g, (char) => `\\${char}`).replace(/\r?\n/g, " ");
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => htmlEntities[char] ?? char);
}

const htmlEntities: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Inline code that survives backticks in the text. */
export function inlineCode(text: string): string {
  let longest = 0;
  for (const run of text.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  const ticks = "`".repeat(longest + 1);
  const pad = text.startsWith("`") || text.endsWith("`") ? " " : "";
  return `${ticks}${pad}${text.replace(/\r?\n/g, " ")}${pad}${ticks}`;
}

export function link(text: string, url: string | undefined): string {
  if (url === undefined) return text;
  return `[${text}](${url.replace(/[()\s]/g, encodeURIComponent)})`;
}

/** Cuts text to at most `max` characters, ending with "…" when cut. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}
