// The projector view's controls: keyboard shortcuts, and buttons that act without
// leaving the page (the socket brings the new state). Without JavaScript the
// forms post and come back as usual.
(function () {
  "use strict";
  const forms = document.querySelectorAll("form[data-control]");

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

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
    if (event.target.closest("input, textarea, select")) return;
    for (const form of forms) {
      const button = form.querySelector("button");
      if (!form.hidden && button.getAttribute("aria-keyshortcuts") === event.key.toLowerCase()) {
        event.preventDefault();
        send(form);
        return;
      }
    }
  });
})();
