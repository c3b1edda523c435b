// One app: where it goes and its state, the live objects (when this process can read the
// cluster), the drift against Git with the field manager behind each drifted field, the last
// self-heal correction, the pinned bad revision and the deploy history.
import type { AppConfig, FerryConfig } from "../config/schema.ts";
import type { AppDetail } from "../status/overview.ts";
import { describeCause, formatDuration } from "../report/index.ts";
import type { DeploymentRecord } from "../sync/history.ts";
import type { DeployedImage } from "../images/deployed.ts";
import { html, link, type SafeHtml } from "./html.ts";
import { revisionUrl, sourceCommitUrl } from "./links.ts";
import { roleAtLeast, type UiRole } from "./auth/roles.ts";
import { postButton } from "./html.ts";
import { actionRole, type UiAction } from "./actions.ts";
import type { ResourceNode } from "./resource-tree.ts";
import { ago, healthBadge, syncBadge } from "./widgets.ts";

function revision(config: FerryConfig, app: AppConfig, sha: string, record?: DeploymentRecord): SafeHtml {
  return link(revisionUrl(config.forges, app, sha, record), html`<code>${sha.slice(0, 7)}</code>`);
}

/**
 * One image: its reference, the digest shortened (whole in the title), and where it was built —
 * a link to the source commit when the source is on a known forge, else the URL as text.
 */
function image(config: FerryConfig, entry: DeployedImage): SafeHtml {
  const digest = entry.digest
    ? html` <code class="digest" title="${entry.digest}"
        >${entry.digest.slice(0, "sha256:".length + 12)}</code
      >`
    : "";
  const commitUrl = sourceCommitUrl(config.forges, entry.source, entry.revision);
  const built = entry.source
    ? html`<br /><small
          >built from
          ${
            commitUrl && entry.revision
              ? link(commitUrl, html`<code>${entry.revision.slice(0, 12)}</code>`)
              : entry.revision
                ? html`<code>${entry.revision.slice(0, 12)}</code>`
                : ""
          }
          of ${entry.source}</small
        >`
    : "";
  const update = entry.commit ? html`<br /><small>image update ${entry.commit.slice(0, 7)}</small>` : "";
  return html`<code>${entry.image}</code>${digest}${built}${update}`;
}

function images(config: FerryConfig, list: readonly DeployedImage[] | undefined): SafeHtml {
  if (list === undefined || list.length === 0) return html`<span>none recorded</span>`;
  return html`<ul class="images">
    ${list.map((entry) => html`<li>${image(config, entry)}</li>`)}
  </ul>`;
}

function drift(detail: AppDetail): SafeHtml {
  const state = detail.drift;
  if (!state) return html`<p>Reconcile has not compared this app with the cluster yet.</p>`;
  const checked = html`<p>
    Compared with the cluster ${ago(state.checkedAt)}${state.message ? html`: ${state.message}` : ""}.
  </p>`;
  const correction = state.lastCorrection
    ? html`<p>
        Last self-heal correction ${ago(state.lastCorrection.at)}: ${state.lastCorrection.objects.join(", ")}.
      </p>`
    : "";
  if (state.drifted.length === 0)
    return html`${checked}
      <p>No drift: the live objects match Git.</p>
      ${correction}`;
  return html`${checked}
    <ul class="drift-list">
      ${state.drifted.map(
        (object) =>
          html`<li>
            <strong>${object.kind} ${object.namespace ? `${object.namespace}/` : ""}${object.name}</strong>
            (${object.state})${object.error ? html` <span class="error">${object.error}</span>` : ""}
            <table class="fields">
              <thead>
                <tr>
                  <th scope="col">Field</th>
                  <th scope="col">Changed by</th>
                  <th scope="col">Git</th>
                  <th scope="col">Live</th>
                </tr>
              </thead>
              <tbody>
                ${object.fields.map(
                  (field) =>
                    html`<tr>
                      <td data-label="Field"><code>${field.field}</code></td>
                      <td data-label="Changed by">
                        ${field.managers.length > 0 ? field.managers.join(", ") : "unknown"}
                      </td>
                      <td data-label="Git"><code>${field.desired}</code></td>
                      <td data-label="Live"><code>${field.live}</code></td>
                    </tr>`,
                )}
              </tbody>
            </table>
            <ul class="summary">
              ${object.summary.map((line) => html`<li>${line}</li>`)}
            </ul>
          </li>`,
      )}
    </ul>
    ${correction}`;
}

/** What the signed-in user may do here, and whether automation is paused. */
export interface AppActions {
  role: UiRole;
  csrf: string;
}

function actionUrl(app: AppConfig, action: string): string {
  return `/ui/apps/${encodeURIComponent(app.name)}/actions/${action}`;
}

/** A healthy deployment of the history that the user may roll back to. */
function rollbackable(record: DeploymentRecord, current: string | undefined): boolean {
  return record.result === "succeeded" && record.health === "Healthy" && record.revision !== current;
}

function actions(app: AppConfig, detail: AppDetail, actions: AppActions): SafeHtml {
  const may = (action: UiAction) => roleAtLeast(actions.role, actionRole[action]);
  const admin = may("pause");
  if (!may("sync")) return html`<p>Your role on this app's project is ${actions.role}: no actions.</p>`;
  return html`<div class="actions">
    ${postButton(actionUrl(app, "sync"), actions.csrf, "Sync")}
    ${may("sync-force") ? postButton(actionUrl(app, "sync-force"), actions.csrf, "Sync --force") : ""}
    ${
      admin
        ? detail.paused
          ? postButton(actionUrl(app, "resume"), actions.csrf, "Resume automatic sync and self-heal")
          : postButton(actionUrl(app, "pause"), actions.csrf, "Pause automatic sync and self-heal")
        : ""
    }
  </div>`;
}

function history(config: FerryConfig, app: AppConfig, detail: AppDetail, can?: AppActions): SafeHtml {
  if (detail.deployments.length === 0) return html`<p>No deployment yet.</p>`;
  return html`<div class="scroll">
    <table>
      <thead>
        <tr>
          <th scope="col">Revision</th>
          <th scope="col">When</th>
          <th scope="col">Trigger and who</th>
          <th scope="col">Duration</th>
          <th scope="col">Result</th>
          <th scope="col">Health</th>
          <th scope="col">Images</th>
          ${can && roleAtLeast(can.role, "sync") ? html`<th scope="col">Rollback</th>` : ""}
        </tr>
      </thead>
      <tbody>
        ${detail.deployments.map(
          (record) =>
            html`<tr>
              <td data-label="Revision">${revision(config, app, record.revision, record)}</td>
              <td data-label="When">${ago(record.startedAt)}</td>
              <td data-label="Trigger and who">
                ${record.cause ? describeCause(record.cause) : record.trigger}${record.cause?.kind === "changeRequest" && record.cause.url ? html` · ${link(record.cause.url, "merge request")}` : ""}
              </td>
              <td data-label="Duration">${formatDuration(record.durationMs)}</td>
              <td data-label="Result">
                ${record.result}${record.message ? html`<br /><small>${record.message}</small>` : ""}${record.rolledBackTo ? html`<br /><small>rolled back to <code>${record.rolledBackTo.slice(0, 7)}</code></small>` : ""}
              </td>
              <td data-label="Health">${healthBadge(record.health)}</td>
              <td data-label="Images">${images(config, record.images)}</td>
              ${
                can && roleAtLeast(can.role, "sync")
                  ? html`<td>
                      ${
                        rollbackable(record, detail.revision)
                          ? postButton(
                              actionUrl(app, "rollback"),
                              can.csrf,
                              `Roll back to ${record.revision.slice(0, 7)}`,
                              {
                                revision: record.revision,
                              },
                            )
                          : ""
                      }
                    </td>`
                  : ""
              }
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

function tree(nodes: readonly ResourceNode[] | string): SafeHtml {
  if (typeof nodes === "string") return html`<p>${nodes}</p>`;
  if (nodes.length === 0) return html`<p>No live objects found.</p>`;
  const item = (node: ResourceNode): SafeHtml =>
    html`<li data-kind="${node.kind}">
      <span class="kind">${node.kind}</span> ${node.name}
      ${healthBadge(node.health)}${node.message ? html` <small>${node.message}</small>` : ""}${
        node.children.length > 0
          ? html`<ul>
              ${node.children.map(item)}
            </ul>`
          : ""
      }
    </li>`;
  return html`<ul class="tree">
    ${nodes.map(item)}
  </ul>`;
}

export function appBody(
  config: FerryConfig,
  app: AppConfig,
  detail: AppDetail,
  resources: readonly ResourceNode[] | string,
  can?: AppActions,
): SafeHtml {
  return html`<p><a href="/ui/">← Apps</a></p>
    <h1>${app.name}</h1>
    <div data-live-region>
      <dl class="facts">
        <dt>Project</dt>
        <dd>${app.project ?? "none (the destination namespace only)"}</dd>
        <dt>Destination</dt>
        <dd>${detail.cluster}/${detail.namespace}</dd>
        <dt>Source</dt>
        <dd>${app.repo} @ ${app.branch}, ${app.path}</dd>
        <dt>Sync</dt>
        <dd>${syncBadge(detail.sync)}</dd>
        <dt>Health</dt>
        <dd>${healthBadge(detail.health)}</dd>
        <dt>Deployed revision</dt>
        <dd>
          ${detail.revision ? html`${revision(config, app, detail.revision)} ${detail.appliedAt ? ago(detail.appliedAt) : ""}` : "none"}
        </dd>
        <dt>Images</dt>
        <dd>${images(config, detail.images)}</dd>
        ${
          detail.badRevision
            ? html`<dt>Pinned bad revision</dt>
                <dd class="bad">
                  ${revision(config, app, detail.badRevision)}: rolled back, skipped until a newer commit
                </dd>`
            : ""
        }
        <dt>Automatic sync</dt>
        <dd>
          ${app.sync.auto ? "on" : "off"}, self-heal
          ${app.sync.selfHeal ? "on" : "off"}${
            detail.paused
              ? html`; <strong class="paused">paused</strong> by ${detail.paused.by} ${ago(detail.paused.at)}`
              : ""
          }
        </dd>
      </dl>
      ${
        can
          ? html`<section aria-labelledby="actions">
              <h2 id="actions">Actions</h2>
              ${actions(app, detail, can)}
            </section>`
          : ""
      }
      <section aria-labelledby="resources">
        <h2 id="resources">Live objects</h2>
        ${tree(resources)}
      </section>
      <section aria-labelledby="drift">
        <h2 id="drift">Drift</h2>
        ${drift(detail)}
      </section>
      <section aria-labelledby="history">
        <h2 id="history">Deploy history</h2>
        ${history(config, app, detail, can)}
      </section>
    </div>`;
}
