// `ferry status --config F`: every app's sync state, health, applied revision and last
// deployment (with who caused it), as a table. Reads Redis only, like GET /api/apps.
import type { Command } from "commander";
import { loadConfigFile } from "../../config/load.ts";
import { readOverviews, type AppOverview } from "../../status/overview.ts";
import { describeCause, formatDuration } from "../../report/index.ts";
import { createRedis } from "../../queue/connection.ts";

const HEADERS = ["APP", "DESTINATION", "SYNC", "HEALTH", "REVISION", "LAST DEPLOY"];

function lastDeploy(app: AppOverview): string {
  const last = app.deployments[0];
  if (!last) return "never";
  const when = last.startedAt.replace(/\.\d+Z$/, "Z");
  // Records written before causes were kept name only the trigger.
  const why = last.cause ? describeCause(last.cause) : last.trigger;
  return `${last.result} ${last.revision.slice(0, 7)} ${when} (${formatDuration(last.durationMs)}, ${why})`;
}

function row(app: AppOverview): string[] {
  const bad = app.badRevision ? ` (skips ${app.badRevision.slice(0, 7)})` : "";
  return [
    app.name,
    `${app.cluster}/${app.namespace}`,
    app.sync,
    app.health,
    `${app.revision?.slice(0, 7) ?? "-"}${bad}`,
    lastDeploy(app),
  ];
}

/** Columns padded to their widest cell, two spaces apart. */
export function formatTable(rows: string[][]): string {
  const widths = rows.reduce<number[]>(
    (acc, cells) => cells.map((cell, index) => Math.max(acc[index] ?? 0, cell.length)),
    [],
  );
  return rows
    .map((cells) =>
      cells
        .map((cell, index) => (index === cells.length - 1 ? cell : cell.padEnd(widths[index] ?? 0)))
        .join("  "),
    )
    .join("\n");
}

export function formatStatus(apps: AppOverview[]): string {
  if (apps.length === 0) return "no apps configured\n";
  return `${formatTable([HEADERS, ...apps.map(row)])}\n`;
}

export function registerStatus(program: Command): void {
  program
    .command("status")
    .description("show each app's sync state, health, applied revision and last deployment")
    .requiredOption("--config <file>", "path to ferry.yaml")
    .action(async (flags: { config: string }) => {
      const config = await loadConfigFile(flags.config, process.env, "receiver");
      const redis = createRedis(config.redis, "receiver", { enableOfflineQueue: true });
      try {
        process.stdout.write(
          formatStatus(await readOverviews({ redis, prefix: config.redis.prefix }, config.apps)),
        );
      } finally {
        redis.disconnect();
      }
    });
}
