// An event's projector and remote: the presenter's moves, by button and by key (→ and
// ←, and Page Down and Page Up, as presentation clickers send them; a digit goes to
// that question; L to the lobby; B to a quiz's leaderboard), and the event's socket, which says where the event
// stands and how many phones follow it. A move shows the new question by reloading
// this page: one page, the presenter's, not the audience's.
(function () {
  "use strict";
  const root = document.querySelector("[data-event-present]");
  if (!root) return;
  const KEYS = { ArrowRight: "next", PageDown: "next", ArrowLeft: "previous", PageUp: "previous", l: "lobby", L: "lobby", b: "leaderboard", B: "leaderboard" };
  let delay = 1000;

  function move(action, position) {
    const form = root.querySelector('form[data-move="' + action + '"]');
    if (!form) return;
    const data = new FormData(form);
    if (position !== undefined) data.set("position", String(position));
    // Ended: a stray key would pull every phone off its thanks page. Ask first.
    if (root.dataset.stage === "ended" && action !== "end") {
      if (!window.confirm(gettext("This session has ended. Open it again on every phone?"))) return;
      data.set("confirm", "1");
    }
    // getAttribute: the form's field named "action" hides the form.action property.
    fetch(form.getAttribute("action"), { method: "POST", body: data, credentials: "same-origin" })
      .then(function (response) { if (!response.ok) form.submit(); })
      .catch(function () { form.submit(); });
  }

  for (const form of root.querySelectorAll("form[data-move]")) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      move(form.dataset.move, form.elements.position ? form.elements.position.value : undefined);
    });
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
    if (event.target.closest("input, textarea, select")) return;
    if (KEYS[event.key]) {
      event.preventDefault();
      move(KEYS[event.key]);
    } else if (/^[1-9]$/.test(event.key)) {
      event.preventDefault();
      move("goto", Number(event.key));
    }
  });

  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const socket = new WebSocket(scheme + location.host + root.dataset.eventSocket);
    socket.onopen = function () { delay = 1000; };
    socket.onmessage = function (message) {
      const data = JSON.parse(message.data);
      document.dispatchEvent(new CustomEvent("live-message", { detail: data })); // the clock's

      if (data.type === "event") {
        const position = data.position === null ? "" : String(data.position);
        if (data.stage !== root.dataset.stage || position !== root.dataset.position) location.reload();
      } else if (data.type === "pages") {
        pages = data.count;
        for (const count of root.querySelectorAll("[data-pages]")) count.textContent = data.count;
        for (const unit of root.querySelectorAll("[data-pages-unit]")) {
          unit.textContent = ngettext("phone connected", "phones connected", data.count);
        }
        showAnswered();
      }
    };
    socket.onclose = function (event) {
      if (event.code === 4403 || event.code === 4404) return; // signed out, or no such event
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    };
  }

  // "Answered: 4 of 6": of the phones following, never fewer than have answered (a phone
  // reloading after its vote is away from the count for a moment).
  let pages = 0;
  let answered = 0;
  function showAnswered() {
    for (const of of root.querySelectorAll("[data-answered-of]")) of.textContent = Math.max(pages, answered);
  }
  document.addEventListener("live-message", function (event) {
    if (event.detail.type !== "results" || event.detail.voters === null) return;
    answered = event.detail.voters;
    showAnswered();
  });

  connect();
})();
