// The remote's moderation queue ([data-moderation]): reloaded every RELOAD_EVERY while
// the page is in view, so that new answers show up for approval. Not while focus is
// in it, which would pull the button from under a keyboard user; the buttons are
// plain forms, so it all works without this script, by reloading the page.
(function () {
  "use strict";
  const RELOAD_EVERY = 2000; // ms
  let busy = false;

  async function reload() {
    const section = document.querySelector("[data-moderation]");
    if (!section || busy || document.hidden || section.contains(document.activeElement)) return;
    busy = true;
    try {
      const response = await fetch(section.dataset.src, { credentials: "same-origin" });
      if (!response.ok) return;
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      const fresh = page.querySelector("[data-moderation]");
      if (fresh && !section.contains(document.activeElement)) section.replaceWith(fresh);
    } catch (error) {
      // Offline for a moment: the next reload tries again.
    } finally {
      busy = false;
    }
  }

  setInterval(reload, RELOAD_EVERY);
})();
