// Which form log lines take, apart from the logger itself so the CLI can take `--log-format`
// without loading pino for commands that never log (`ferry health`, `ferry config check`).

/** `auto`: readable lines on a terminal, JSON anywhere else (a file, a pipe, a log shipper). */
export const logFormats = ["auto", "json", "pretty"] as const;
export type LogFormat = (typeof logFormats)[number];

/** Set once by the CLI from `--log-format`; FERRY_LOG_FORMAT for the processes it does not start. */
let chosenFormat: LogFormat | undefined;

export function setLogFormat(format: LogFormat): void {
  chosenFormat = format;
}

/** Whether lines written to `destination` are pretty-printed: asked for, or `auto` on a TTY. */
export function prettyLogs(format: LogFormat, destination: NodeJS.WritableStream): boolean {
  if (format === "auto") return (destination as { isTTY?: boolean }).isTTY === true;
  return format === "pretty";
}

export function requestedFormat(): LogFormat {
  const fromEnv = process.env.FERRY_LOG_FORMAT;
  const env = logFormats.find((format) => format === fromEnv);
  return chosenFormat ?? env ?? "auto";
}
