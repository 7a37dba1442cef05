// The presenter's controls, on the projector view and the remote: buttons that act
// without leaving the page (the socket brings the new state), and keyboard shortcuts.
// Without JavaScript the forms post and come back as usual.
//
// On the projector, the controls are out of the room's sight until needed: they show
// while the mouse moves or while one of them has focus (Tab), and fade after a few
// still seconds (faded, not removed: a screen reader still finds them). "?" shows the
// keys; holding P shows the presenter the counts while the room may not see them.
(function () {
  "use strict";
  const forms = document.querySelectorAll("form[data-control]");
  const root = document.querySelector("[data-live]");
  const controls = document.querySelector("[data-controls]");
  const shortcuts = document.querySelector("[data-shortcuts]");
  const shortcutsToggle = document.querySelector("[data-shortcuts-toggle]");
  const PEEK_KEY = "p";
  // ms without a mouse move before the controls fade (a test's page makes it short).
  const STILL_AFTER = window.VOTING_STILL_AFTER_MS || 3000;

  function send(form) {
    const button = form.querySelector("button");
    if (button.dataset.confirm && !window.confirm(button.dataset.confirm)) return;
    // getAttribute: the form's field named "action" hides the form.action property.
    fetch(form.getAttribute("action"), { method: "POST", body: new FormData(form), credentials: "same-origin" })
      .then(function (response) { if (!response.ok) form.submit(); })
      .catch(function () { form.submit(); });
  }

  for (const form of forms) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      send(form);
    });
  }

  function peek(held) {
    if (root) root.dispatchEvent(new CustomEvent("peek", { detail: held }));
  }

  function toggleShortcuts() {
    if (!shortcuts) return;
    shortcuts.hidden = !shortcuts.hidden;
    if (shortcutsToggle) shortcutsToggle.setAttribute("aria-expanded", String(!shortcuts.hidden));
    wake();
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.target.closest("input, textarea, select")) return;
    const key = event.key.toLowerCase();
    if (controls && key === PEEK_KEY) {
      event.preventDefault();
      if (!event.repeat) peek(true);
      return;
    }
    if (event.repeat) return;
    if (key === "?") {
      event.preventDefault();
      toggleShortcuts();
      return;
    }
    if (key === "escape" && shortcuts && !shortcuts.hidden) {
      toggleShortcuts();
      return;
    }
    for (const form of forms) {
      const button = form.querySelector("button");
      if (!form.hidden && button.getAttribute("aria-keyshortcuts") === key) {
        event.preventDefault();
        send(form);
        return;
      }
    }
  });
  document.addEventListener("keyup", function (event) {
    if (controls && event.key.toLowerCase() === PEEK_KEY) peek(false);
  });
  window.addEventListener("blur", function () { peek(false); }); // a key let go elsewhere

  if (shortcutsToggle) shortcutsToggle.addEventListener("click", toggleShortcuts);

  // The projector's controls: awake while the mouse moves, still (faded) after a while.
  let stillTimer = null;
  function wake() {
    if (!controls) return;
    document.body.classList.remove("still");
    clearTimeout(stillTimer);
    stillTimer = setTimeout(function () {
      if (shortcuts && !shortcuts.hidden) return; // the keys stay until closed
      document.body.classList.add("still");
    }, STILL_AFTER);
  }
  if (controls) {
    document.addEventListener("mousemove", wake);
    document.addEventListener("touchstart", wake, { passive: true });
    controls.addEventListener("focusin", wake);
    wake();
  }
})();
