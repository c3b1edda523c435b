// The report module's public surface: markdown and HTML for previews, texts for statuses and
// deploy notes. Everything here is pure: callers post the results through a Forge.
export {
  COMMENT_BUDGETS,
  parsePreviewMarker,
  previewComment,
  previewKey,
  previewMarker,
  type PreviewReportInput,
} from "./preview.ts";
export { PREVIEW_PAGE_CSP, previewHtml, type PreviewPageInput } from "./html.ts";
export * from "./status.ts";
export * from "./deploy.ts";
export { previewUrl, totalsOf, type Totals } from "./summary.ts";
