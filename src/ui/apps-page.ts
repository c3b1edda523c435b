// The apps list: every app with where it goes, its state and what is deployed, filtered and
// paged on the server (status/overview.ts readOverviewPage reads only the page's apps).
import { z } from "zod";
import type { FerryConfig } from "../config/schema.ts";
import type { AppOverview, OverviewPage, OverviewQuery, SyncState } from "../status/overview.ts";
import { describeCause } from "../report/index.ts";
import { html, type SafeHtml } from "./html.ts";
import { revisionUrl } from "./links.ts";
import { ago, healthBadge, syncBadge } from "./widgets.ts";

export const PAGE_SIZE = 50;

const syncStates = [
  "Synced",
  "OutOfSync",
  "Syncing",
  "Failed",
  "Unknown",
] as const satisfies readonly SyncState[];
const healthStates = ["Healthy", "Progressing", "Degraded", "Missing", "Suspended", "Unknown"] as const;

const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === "" ? undefined : value), schema.optional());

/** The list's query string, bounded; anything else is ignored. */
export const appsQuerySchema = z.object({
  q: optional(z.string().max(200)),
  sync: optional(z.enum(syncStates)),
  health: optional(z.enum(healthStates)),
  project: optional(z.string().max(200)),
  cluster: optional(z.string().max(200)),
  page: z.coerce.number().int().min(1).max(100_000).catch(1),
});
export type AppsQuery = z.infer<typeof appsQuerySchema>;

export function overviewQuery(query: AppsQuery): OverviewQuery {
  return {
    ...(query.q !== undefined ? { text: query.q } : {}),
    ...(query.sync !== undefined ? { sync: query.sync } : {}),
    ...(query.health !== undefined ? { health: query.health } : {}),
    ...(query.project !== undefined ? { project: query.project } : {}),
    ...(query.cluster !== undefined ? { cluster: query.cluster } : {}),
    offset: (query.page - 1) * PAGE_SIZE,
    limit: PAGE_SIZE,
  };
}

function queryString(query: AppsQuery, page: number): string {
  const params = new URLSearchParams();
  for (const field of ["q", "sync", "health", "project", "cluster"] as const) {
    const value = query[field];
    if (value !== undefined) params.set(field, value);
  }
  if (page > 1) params.set("page", String(page));
  const text = params.toString();
  return text === "" ? "/ui/" : `/ui/?${text}`;
}

function select(
  name: string,
  label: string,
  options: readonly string[],
  current: string | undefined,
): SafeHtml {
  return html`<label
    >${label}
    <select name="${name}">
      <option value="">any</option>
      ${options.map((option) => html`<option${option === current ? html` selected` : ""}>${option}</option>`)}
    </select></label
  >`;
}

function filters(config: FerryConfig, query: AppsQuery): SafeHtml {
  const projects = [...new Set(config.apps.flatMap((app) => (app.project ? [app.project] : [])))].sort();
  const clusters = [...new Set(config.apps.map((app) => app.destination.cluster))].sort();
  return html`<form class="filters" method="get" action="/ui/" role="search">
    <label
      >Search
      <input
        type="search"
        name="q"
        value="${query.q ?? ""}"
        maxlength="200"
        placeholder="name, repo, namespace"
    /></label>
    ${select("sync", "Sync", syncStates, query.sync)}
    ${select("health", "Health", healthStates, query.health)}
    ${select("project", "Project", projects, query.project)}
    ${select("cluster", "Cluster", clusters, query.cluster)}
    <button type="submit">Filter</button>
  </form>`;
}

function row(config: FerryConfig, overview: AppOverview): SafeHtml {
  const app = config.apps.find((candidate) => candidate.name === overview.name);
  const last = overview.deployments.find((record) => record.result !== "skipped") ?? overview.deployments[0];
  const revision = overview.revision;
  const url = app && revision ? revisionUrl(config.forges, app, revision, last) : undefined;
  return html`<tr data-app="${overview.name}">
    <th scope="row"><a href="/ui/apps/${encodeURIComponent(overview.name)}">${overview.name}</a></th>
    <td data-label="Project">${app?.project ?? "—"}</td>
    <td data-label="Destination">${overview.cluster}/${overview.namespace}</td>
    <td data-label="Sync">
      ${syncBadge(overview.sync)}${overview.sync === "OutOfSync" ? html` <span class="drift" title="live objects differ from Git">drift</span>` : ""}
    </td>
    <td data-label="Health">${healthBadge(overview.health)}</td>
    <td class="rev" data-label="Revision">
      ${revision ? (url ? html`<a href="${url}"><code>${revision.slice(0, 7)}</code></a>` : html`<code>${revision.slice(0, 7)}</code>`) : "—"}${overview.badRevision ? html` <span class="bad">skips <code>${overview.badRevision.slice(0, 7)}</code></span>` : ""}
    </td>
    <td data-label="Last deploy">
      ${last ? html`${ago(last.startedAt)}<br /><small>${last.cause ? describeCause(last.cause) : last.trigger}</small>` : "never"}
    </td>
  </tr>`;
}

export function appsBody(config: FerryConfig, query: AppsQuery, result: OverviewPage): SafeHtml {
  const count = `${result.total} app${result.total === 1 ? "" : "s"}`;
  return html`<h1>Apps</h1>
    ${filters(config, query)}
    <div data-live-region>
      <p class="count" aria-live="polite">${count}</p>
      <div class="scroll">
        <table class="apps">
          <caption class="sr-only">
            Apps and their state
          </caption>
          <thead>
            <tr>
              <th scope="col">App</th>
              <th scope="col">Project</th>
              <th scope="col">Destination</th>
              <th scope="col">Sync</th>
              <th scope="col">Health</th>
              <th scope="col">Revision</th>
              <th scope="col">Last deploy</th>
            </tr>
          </thead>
          <tbody>
            ${
              result.apps.length === 0
                ? html`<tr>
                    <td colspan="7">No app matches.</td>
                  </tr>`
                : result.apps.map((overview) => row(config, overview))
            }
          </tbody>
        </table>
      </div>
      <nav class="pages" aria-label="Pages">
        ${query.page > 1 ? html`<a rel="prev" href="${queryString(query, query.page - 1)}">← Previous</a>` : ""}
        <span>Page ${query.page}</span>
        ${result.more ? html`<a rel="next" href="${queryString(query, query.page + 1)}">Next →</a>` : ""}
      </nav>
    </div>`;
}
