// HTML for the UI's pages, built by a tagged template that escapes every interpolated value
// unless it is already markup made here: a forgotten escape cannot open a hole, and the CSP
// (routes.ts) forbids inline scripts even if one did.
import { escapeHtml } from "../report/markdown.ts";

/** Markup made by `html`: interpolated as is. */
export class SafeHtml {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
  toString(): string {
    return this.text;
  }
}

type Value = SafeHtml | string | number | boolean | undefined | null | readonly Value[];

function render(value: Value): string {
  if (value === undefined || value === null || value === false) return "";
  if (value instanceof SafeHtml) return value.text;
  if (Array.isArray(value)) return value.map(render).join("");
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: Value[]): SafeHtml {
  return new SafeHtml(strings.reduce((out, text, index) => out + render(values[index - 1]) + text));
}

/** An https/http link, or the text alone for anything else (no javascript: URLs). */
export function link(url: string | undefined, text: Value): SafeHtml {
  return url !== undefined && /^https?:\/\//.test(url) ? html`<a href="${url}">${text}</a>` : html`${text}`;
}

export interface PageFrame {
  title: string;
  /** Which nav entry is current. */
  section: "apps" | "previews";
  /** A line under the header, e.g. that no one signs in on this server. */
  notice?: string;
  /** Server-sent events that make the page reload its live parts (app.js). */
  live?: string;
  /** Who signed in with OpenID Connect: shown with a sign-out button. */
  user?: { name: string; csrf: string };
}

/** A button that POSTs to `action` with the session's CSRF token (and `fields`). */
export function postButton(
  action: string,
  csrf: string,
  label: string,
  fields: Record<string, string> = {},
): SafeHtml {
  return html`<form method="post" action="${action}" class="action">
    <input type="hidden" name="_csrf" value="${csrf}" />${Object.entries(fields).map(
      ([name, value]) => html`<input type="hidden" name="${name}" value="${value}" />`,
    )}<button type="submit">${label}</button>
  </form>`;
}

export function page(frame: PageFrame, body: SafeHtml): string {
  const nav = (section: PageFrame["section"], href: string, text: string) =>
    html`<a href="${href}" ${frame.section === section ? new SafeHtml(' aria-current="page"') : ""}
      >${text}</a
    >`;
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${frame.title} · Ferry</title><link rel="stylesheet" href="/ui/static/ui.css"><link rel="icon" href="/ui/static/favicon.svg" type="image/svg+xml"><script src="/ui/static/ui.js" defer></script></head>
<body${frame.live !== undefined ? html` data-live="${frame.live}"` : ""}><a class="skip" href="#main">Skip to content</a>
<header><strong>Ferry</strong><nav aria-label="Sections">${nav("apps", "/ui/", "Apps")} ${nav("previews", "/ui/previews", "Previews")}</nav>${frame.user ? html`<span class="user">${frame.user.name} ${postButton("/ui/auth/logout", frame.user.csrf, "Sign out")}</span>` : ""}</header>
${frame.notice !== undefined ? html`<p class="notice" role="note">${frame.notice}</p>` : ""}
<main id="main">${body}</main></body></html>`.text;
}
