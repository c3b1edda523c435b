// Live updates (progressive enhancement: every page works without this). The page names an
// event stream in data-live; each event means "something this page shows changed", and the
// page's live region is replaced with a fresh server rendering of the same URL.
"use strict";
(function () {
  const stream = document.body.dataset.live;
  if (!stream || !window.EventSource) return;
  let refreshing = false;
  let again = false;
  async function refresh() {
    if (refreshing) {
      again = true;
      return;
    }
    refreshing = true;
    try {
      const response = await fetch(location.href, {
        headers: { Accept: "text/html" },
        credentials: "same-origin",
      });
      if (response.ok) {
        const next = new DOMParser().parseFromString(await response.text(), "text/html");
        const fresh = next.querySelector("[data-live-region]");
        const current = document.querySelector("[data-live-region]");
        if (fresh && current) current.replaceWith(document.importNode(fresh, true));
      }
    } finally {
      refreshing = false;
      if (again) {
        again = false;
        void refresh();
      }
    }
  }
  const source = new EventSource(stream);
  source.addEventListener("change", () => void refresh());
  // Catch up on whatever changed while no stream was open: between the server rendering this
  // page and the first subscription, and while a dropped stream reconnected.
  source.addEventListener("open", () => void refresh());
})();
