import { pino, type Logger } from "pino";

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

export function createLogger(options: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  const level = options.level ?? process.env.FERRY_LOG_LEVEL ?? "info";
  const settings = {
    level,
    redact: { paths: redactPaths, censor: "[redacted]" },
    base: { service: "ferry" },
  };
  return options.destination ? pino(settings, options.destination as pino.DestinationStream) : pino(settings);
}

export type { Logger };
