// A small structural checker for the comment: fences (CommonMark rules: a closing fence is at
// least as long as the opening one, up to 3 spaces of indent) and <details> balance.

export interface MarkdownShape {
  /** Contents of fenced blocks, with their info string. */
  blocks: { language: string; body: string[] }[];
  unclosedFence: boolean;
  detailsOpened: number;
  detailsClosed: number;
  /** <details> closed before it was opened, or opened inside another one. */
  detailsMisnested: boolean;
}

export function checkMarkdown(text: string): MarkdownShape {
  const shape: MarkdownShape = {
    blocks: [],
    unclosedFence: false,
    detailsOpened: 0,
    detailsClosed: 0,
    detailsMisnested: false,
  };
  let fence: string | undefined;
  let current: { language: string; body: string[] } | undefined;
  for (const line of text.split("\n")) {
    if (fence !== undefined && current !== undefined) {
      const close = /^ {0,3}(`{3,})\s*$/.exec(line);
      if (close?.[1] !== undefined && close[1].length >= fence.length) {
        shape.blocks.push(current);
        fence = undefined;
        current = undefined;
      } else {
        current.body.push(line);
      }
      continue;
    }
    const open = /^ {0,3}(`{3,})([^`]*)$/.exec(line);
    if (open?.[1] !== undefined) {
      fence = open[1];
      current = { language: (open[2] ?? "").trim(), body: [] };
      continue;
    }
    if (line.startsWith("<details")) {
      if (shape.detailsOpened !== shape.detailsClosed) shape.detailsMisnested = true;
      shape.detailsOpened++;
    }
    if (line.startsWith("</details>")) {
      shape.detailsClosed++;
      if (shape.detailsClosed > shape.detailsOpened) shape.detailsMisnested = true;
    }
  }
  shape.unclosedFence = fence !== undefined;
  return shape;
}

export function expectWellFormed(shape: MarkdownShape): string | undefined {
  if (shape.unclosedFence) return "a fence is not closed";
  if (shape.detailsOpened !== shape.detailsClosed)
    return `details opened ${shape.detailsOpened}, closed ${shape.detailsClosed}`;
  if (shape.detailsMisnested) return "details misnested";
  return undefined;
}
