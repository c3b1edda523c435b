// GET /previews/:id — the full, untruncated preview of one run (README.md), as stored by
// the preview worker. The page is inert HTML; the CSP header forbids scripts and remote loads
// even if a future change to the page forgot to escape something.
import { Router } from "express";
import type { RedisClient } from "../queue/connection.ts";
import { AppError } from "../errors.ts";
import { loadPreviewPage } from "../preview/pages.ts";
import { PREVIEW_PAGE_CSP } from "../report/index.ts";

export function previewRoutes(redis: RedisClient, prefix: string): Router {
  const router = Router();
  router.get("/previews/:id", async (req, res) => {
    const page = await loadPreviewPage(redis, prefix, req.params.id);
    if (page === undefined) throw new AppError("NOT_FOUND", "no such preview (it may have expired)");
    if (page.kind === "superseded") {
      throw new AppError(
        "PREVIEW_SUPERSEDED",
        "a newer push replaced this preview; follow the link in the merge request",
      );
    }
    res
      .status(200)
      .set({
        "Content-Security-Policy": PREVIEW_PAGE_CSP,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "private, max-age=300",
      })
      .type("html")
      .send(page.html);
  });
  return router;
}
