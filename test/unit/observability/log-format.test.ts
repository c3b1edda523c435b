// Which log lines a stream gets: readable on a terminal, JSON anywhere else unless asked.
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { prettyLogs } from "../../../src/observability/log-format.ts";
import { createLogger } from "../../../src/observability/logger.ts";

function stream(isTTY: boolean): PassThrough & { isTTY?: boolean } {
  return Object.assign(new PassThrough(), isTTY ? { isTTY: true } : {});
}

function written(destination: PassThrough): string {
  return (destination.read() as Buffer | null)?.toString("utf8") ?? "";
}

describe("log format", () => {
  it("is pretty on a TTY with auto, JSON off a TTY, and what was asked otherwise", () => {
    expect(prettyLogs("auto", stream(true))).toBe(true);
    expect(prettyLogs("auto", stream(false))).toBe(false);
    expect(prettyLogs("json", stream(true))).toBe(false);
    expect(prettyLogs("pretty", stream(false))).toBe(true);
  });

  it("writes readable lines for pretty, redacted like the JSON ones", () => {
    const destination = stream(false);
    createLogger({ format: "pretty", destination }).info({ app: "web", token: "hunter2" }, "deployed");
    const text = written(destination);
    expect(text).toMatch(/^\[\d{2}:\d{2}:\d{2}\.\d{3}\] INFO: deployed\n/);
    expect(text).toContain('app: "web"');
    expect(text).toContain('token: "[redacted]"');
    expect(text).not.toContain("hunter2");
  });

  it("writes one JSON object per line for json", () => {
    const destination = stream(true);
    createLogger({ format: "json", destination }).info({ app: "web" }, "deployed");
    expect(JSON.parse(written(destination))).toMatchObject({ level: 30, app: "web", msg: "deployed" });
  });
});
