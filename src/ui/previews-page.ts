// Open merge requests with a live preview page, grouped under the apps of their repository.
import type { FerryConfig } from "../config/schema.ts";
import type { CurrentPreview } from "../preview/pages.ts";
import { changeRequestKey } from "../queue/job-ids.ts";
import { html, type SafeHtml } from "./html.ts";

export function previewsBody(config: FerryConfig, previews: readonly CurrentPreview[]): SafeHtml {
  const rows = previews.map((preview) => {
    const number = preview.changeRequest.slice(preview.changeRequest.lastIndexOf("!") + 1);
    const apps = config.apps.filter((app) =>
      preview.changeRequest.startsWith(changeRequestKey(app.forge, app.repo, 0).slice(0, -1)),
    );
    const repo = apps[0]?.repo ?? preview.changeRequest.slice(0, preview.changeRequest.lastIndexOf("!"));
    return html`<tr>
      <td>${repo}</td>
      <td>!${number}</td>
      <td>
        ${apps.length > 0 ? apps.map((app, index) => html`${index > 0 ? ", " : ""}<a href="/ui/apps/${encodeURIComponent(app.name)}">${app.name}</a>`) : "—"}
      </td>
      <td>published</td>
      <td><a href="/previews/${preview.id}">full preview</a></td>
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
