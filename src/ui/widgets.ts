// Small pieces shared by the UI's pages: state badges (text, not colour alone) and times.
import { html, type SafeHtml } from "./html.ts";

export function syncBadge(state: string): SafeHtml {
  return html`<span class="badge sync-${state.toLowerCase()}">${state}</span>`;
}

export function healthBadge(state: string): SafeHtml {
  return html`<span class="badge health-${state.toLowerCase()}">${state}</span>`;
}

/** An ISO time shown as is, in a <time> the browser may localise. */
export function ago(iso: string): SafeHtml {
  return html`<time datetime="${iso}">${iso.replace(/\.\d+Z$/, "Z").replace("T", " ")}</time>`;
}
