// The short replies to `/ferry` commands. An accepted command gets a reaction on the comment,
// then the deploy notes of its syncs; these texts are for the cases where nothing (or less than
// asked) happens, so the commenter learns why from the change request itself.
import { escapeMarkdown, inlineCode } from "./markdown.ts";

export interface CommandRefusal {
  command: string;
  repo: string;
  user: string;
  /** The commenter's level, by the forge's own name ("none" for a non-member). */
  permission: string;
  required: string;
}

export function commandRefused(refusal: CommandRefusal): string {
  return (
    `${inlineCode(`/ferry ${refusal.command}`)} needs **${refusal.required}** permission on ` +
    `${escapeMarkdown(refusal.repo)}; @${escapeMarkdown(refusal.user)} has **${refusal.permission}**. ` +
    `Nothing was done.\n`
  );
}

/** Why a permitted command did nothing (or not everything): one line per reason. */
export function commandSkipped(command: string, reasons: string[]): string {
  const lines = reasons.map((reason) => `- ${escapeMarkdown(reason)}`);
  return `${inlineCode(`/ferry ${command}`)}:\n${lines.join("\n")}\n`;
}
