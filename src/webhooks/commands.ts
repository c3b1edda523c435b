// `/ferry <command> [--force]` at the start of a line of a comment (Atlantis-style).
export const ferryCommands = ["preview", "sync"] as const;
export type FerryCommand = (typeof ferryCommands)[number];

export interface ParsedCommand {
  command: FerryCommand;
  /** `/ferry sync --force`: re-apply a revision that was rolled back as bad. */
  force: boolean;
}

const commandLine = /^[ \t]*\/ferry[ \t]+([a-z-]+)\b([^\n]*)/m;

export function parseCommand(text: string): ParsedCommand | undefined {
  const found = commandLine.exec(text);
  const command = ferryCommands.find((candidate) => candidate === found?.[1]);
  if (!command) return undefined;
  const words = (found?.[2] ?? "").trim().split(/\s+/);
  return { command, force: command === "sync" && words.includes("--force") };
}
