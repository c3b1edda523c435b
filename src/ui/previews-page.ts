// Open merge requests with a live preview page, grouped under the apps of their repository.
// Only those of repositories with an app the reader may read (routes.ts passes those apps).
import type { AppConfig } from "../config/schema.ts";
import type { CurrentPreview } from "../preview/pages.ts";
import { isChangeRequestOf } from "../queue/job-ids.ts";
import { html, type SafeHtml } from "./html.ts";

export function previewsBody(readable: readonly AppConfig[], all: readonly CurrentPreview[]): SafeHtml {
  const previews = all.flatMap((preview) => {
    const apps = readable.filter((app) => isChangeRequestOf(preview.changeRequest, app));
    return apps.length > 0 ? [{ ...preview, apps }] : [];
  });
  const rows = previews.map(({ changeRequest, id, apps }) => {
    const number = changeRequest.slice(changeRequest.lastIndexOf("!") + 1);
    const repo = apps[0]?.repo;
    return html`<tr>
      <td data-label="Repository">${repo}</td>
      <td data-label="Merge request">!${number}</td>
      <td data-label="Apps">
        ${apps.map((app, index) => html`${index > 0 ? ", " : ""}<a href="/ui/apps/${encodeURIComponent(app.name)}">${app.name}</a>`)}
      </td>
      <td data-label="State">published</td>
      <td><a href="/previews/${id}">full preview</a></td>
    </tr>`;
  });
  return html`<h1>Previews</h1>
    <div data-live-region>
      ${
        previews.length === 0
          ? html`<p>No open merge request has a preview.</p>`
          : html`<div class="scroll">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Repository</th>
                    <th scope="col">Merge request</th>
                    <th scope="col">Apps</th>
                    <th scope="col">State</th>
                    <th scope="col">Preview</th>
                  </tr>
                </thead>
                <tbody>
                  ${rows}
                </tbody>
              </table>
            </div>`
      }
    </div>`;
}
