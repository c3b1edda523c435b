// RFC 6901 JSON pointers, only as far as ignoreDifferences needs them: parse and delete.

/** "/a~1b/c~0d" → ["a/b", "c~d"]. "" points at the whole document and yields []. */
export function parsePointer(pointer: string): string[] {
  if (pointer === "") return [];
  if (!pointer.startsWith("/")) throw new Error(`JSON pointer must start with "/": ${pointer}`);
  // ~1 before ~0, as RFC 6901 §4 requires, so that "~01" becomes "~1" and not "/".
  return pointer
    .slice(1)
    .split("/")
    .map((token) => token.replaceAll("~1", "/").replaceAll("~0", "~"));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Removes the value the pointer names from `document` (mutates it); a missing path is a no-op. */
export function removeAtPointer(document: unknown, pointer: string): void {
  const tokens = parsePointer(pointer);
  const last = tokens.pop();
  if (last === undefined) return;
  let node: unknown = document;
  for (const token of tokens) {
    node = child(node, token);
    if (node === undefined) return;
  }
  if (Array.isArray(node)) {
    const index = arrayIndex(last, node.length);
    if (index !== undefined) node.splice(index, 1);
  } else if (isRecord(node)) {
    delete node[last];
  }
}

function child(node: unknown, key: string): unknown {
  if (Array.isArray(node)) {
    const index = arrayIndex(key, node.length);
    return index === undefined ? undefined : (node as unknown[])[index];
  }
  return isRecord(node) && Object.hasOwn(node, key) ? node[key] : undefined;
}

function arrayIndex(key: string, length: number): number | undefined {
  if (!/^(0|[1-9][0-9]*)$/.test(key)) return undefined;
  const index = Number(key);
  return index < length ? index : undefined;
}
