import { pino, type Logger } from "pino";
import pretty from "pino-pretty";
import { prettyLogs, requestedFormat, type LogFormat } from "./log-format.ts";

// Paths whose values must never reach a log line, whatever object they are nested in.
const redactPaths = [
  "token",
  "webhookSecret",
  "secret",
  "password",
  "authorization",
  "*.token",
  "*.webhookSecret",
  "*.secret",
  "*.password",
  "*.authorization",
  "headers.authorization",
  'headers["x-gitlab-token"]',
  'headers["x-hub-signature-256"]',
  "forges[*].token",
  "forges[*].webhookSecret",
  "privateKey",
  "*.privateKey",
  "forges[*].app.privateKey",
];

export function createLogger(
  options: { level?: string; destination?: NodeJS.WritableStream; format?: LogFormat } = {},
): Logger {
  const level = options.level ?? process.env.FERRY_LOG_LEVEL ?? "info";
  const settings = {
    level,
    redact: { paths: redactPaths, censor: "[redacted]" },
    base: { service: "ferry" },
  };
  const destination = options.destination ?? process.stdout;
  if (prettyLogs(options.format ?? requestedFormat(), destination)) {
    // Synchronous, in this thread: a line is on the terminal before the process can exit.
    const colorize = (destination as { isTTY?: boolean }).isTTY === true;
    return pino(settings, pretty({ destination, sync: true, colorize, ignore: "pid,hostname,service" }));
  }
  return options.destination ? pino(settings, options.destination as pino.DestinationStream) : pino(settings);
}

export type { Logger };
