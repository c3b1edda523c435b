// The CLI loads only the command it runs (src/cli/commands/index.ts): which one that is.
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { commandToLoad, commands } from "../../../src/cli/commands/index.ts";

describe("commandToLoad", () => {
  it("names the command, after the program's own --log-format", () => {
    expect(commandToLoad(["health", "-o", "json", "-"])).toBe("health");
    expect(commandToLoad(["--log-format", "json", "worker", "--config", "f"])).toBe("worker");
    expect(commandToLoad(["--log-format=pretty", "config", "check", "f"])).toBe("config");
  });

  it("loads every command for help, version, unknown names and no command", () => {
    expect(commandToLoad(["--help"])).toBeUndefined();
    expect(commandToLoad(["-V"])).toBeUndefined();
    expect(commandToLoad(["help", "health"])).toBeUndefined();
    expect(commandToLoad(["launch"])).toBeUndefined();
    expect(commandToLoad(["--log-format", "json"])).toBeUndefined();
    expect(commandToLoad([])).toBeUndefined();
  });

  it("each entry registers the command it is named after", async () => {
    for (const [name, load] of commands) {
      const program = new Command("ferry");
      (await load())(program);
      expect(program.commands.map((command) => command.name())).toEqual([name]);
    }
  });
});
