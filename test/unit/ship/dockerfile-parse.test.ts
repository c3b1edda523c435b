import { describe, expect, it } from "vitest";
import { isIgnored, parseDockerfile } from "./dockerfile-parse.ts";

describe("Dockerfile reader", () => {
  it("resolves ARG defaults in FROM, joins continuations and skips comments inside them", () => {
    const parsed = parseDockerfile(
      [
        "ARG BASE=node:24.1.0-bookworm-slim",
        "FROM ${BASE} AS build",
        "RUN a \\",
        "  # a comment",
        "  && b",
        "FROM $BASE",
        "COPY --from=build --chown=1:1 /x /y/",
        'CMD ["serve"]',
        "HEALTHCHECK CMD true",
      ].join("\n"),
    );
    expect(parsed.stages.map((s) => [s.image, s.name])).toEqual([
      ["node:24.1.0-bookworm-slim", "build"],
      ["node:24.1.0-bookworm-slim", undefined],
    ]);
    expect(parsed.stages[0]?.instructions[0]?.args).toBe("a && b");
    const [copy, cmd, healthcheck] = parsed.stages[1]?.instructions ?? [];
    expect(copy?.flags).toEqual({ from: "build", chown: "1:1" });
    expect(copy?.words).toEqual(["/x", "/y/"]);
    expect(cmd?.execForm).toBe(true);
    expect(healthcheck?.keyword).toBe("HEALTHCHECK");
  });

  it("matches .dockerignore patterns against paths and their parents", () => {
    expect(isIgnored("node_modules/x/y.js", ["node_modules"])).toBe(true);
    expect(isIgnored("a/b/c.pem", ["**/*.pem"])).toBe(true);
    expect(isIgnored("c.pem", ["**/*.pem"])).toBe(true);
    expect(isIgnored("src/main.ts", ["node_modules", "*.md"])).toBe(false);
    expect(isIgnored("README.md", ["*.md"])).toBe(true);
  });
});
