// Keeps the results page live: snapshots over the poll's WebSocket, the newest
// version wins, and a lost connection is said so and retried with backoff.
(function () {
  "use strict";
  const root = document.querySelector("[data-results]");
  if (!root || !("WebSocket" in window)) return;

  const status = root.querySelector("[data-status]");
  const scheme = location.protocol === "https:" ? "wss://" : "ws://";
  const url = scheme + location.host + root.dataset.socket;
  const NO_SUCH_POLL = 4404;
  let version = Number(root.dataset.version);
  let delay = 1000;

  function show(state, text) {
    status.dataset.state = state;
    status.textContent = text;
  }

  function render(results) {
    if (results.version < version) return; // older than what is shown
    version = results.version;
    root.querySelector("[data-total]").textContent = results.total;
    root.querySelector("[data-total-unit]").textContent = results.total === 1 ? "vote" : "votes";
    const open = root.querySelector("[data-open]");
    open.textContent = results.is_open ? "open" : "closed";
    open.className = "badge badge-" + (results.is_open ? "open" : "closed");
    for (const option of results.options) {
      const row = root.querySelector('[data-option="' + CSS.escape(option.slug) + '"]');
      if (!row) { location.reload(); return; } // the options changed
      row.querySelector("[data-votes]").textContent = option.votes;
      row.querySelector("[data-percent]").textContent = option.percent + "%";
      row.querySelector("[data-bar]").style.width = option.percent + "%";
    }
  }

  function connect() {
    show("connecting", "Connecting…");
    const socket = new WebSocket(url);
    socket.onopen = function () {
      delay = 1000;
      show("live", "Live");
    };
    socket.onmessage = function (event) {
      const message = JSON.parse(event.data);
      if (message.type === "results") {
        render(message);
        show("live", "Live");
      } else if (message.type === "stale") {
        show("lost", "Counting is paused: these numbers may be behind.");
      }
    };
    socket.onclose = function (event) {
      if (event.code === NO_SUCH_POLL) {
        show("lost", "This poll no longer exists.");
        return;
      }
      const wait = Math.round(delay * (0.5 + Math.random() / 2));
      show("lost", "Connection lost: reconnecting in " + Math.ceil(wait / 1000) + " s…");
      setTimeout(connect, wait);
      delay = Math.min(delay * 2, 30000);
    };
  }

  connect();
})();
