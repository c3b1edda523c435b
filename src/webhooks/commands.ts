// `/ferry <command>` at the start of a line of a comment (Atlantis-style).
export const ferryCommands = ["preview", "sync"] as const;
export type FerryCommand = (typeof ferryCommands)[number];

const commandLine = /^[ \t]*\/ferry[ \t]+([a-z-]+)\b/m;

export function parseCommand(text: string): FerryCommand | undefined {
  const word = commandLine.exec(text)?.[1];
  return ferryCommands.find((command) => command === word);
}
