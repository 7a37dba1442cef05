// A quiz's phone and projector. The question's countdown starts from the time left that
// the server gave (measured on Redis's clock), never from this device's clock: only the
// time since the message came is measured here. Screen readers hear it at a few moments,
// not every second. A phone also shows its own score after each question, which the
// event's socket sends to this browser alone (static/live.js passes the messages on).
(function () {
  "use strict";
  const clock = document.querySelector("[data-clock]");
  const initial = document.getElementById("quiz-clock");
  const SAID_AT = [10, 5]; // seconds left that are announced, besides the end
  let deadline = null;
  let limit = 0;
  let timer = null;
  let said = new Set();

  function part(selector) {
    return clock ? clock.querySelector(selector) : null;
  }

  function say(text) {
    const status = part("[data-clock-said]");
    if (status) status.textContent = text;
  }

  function bar(share) {
    const fill = part("[data-clock-bar]");
    if (fill) fill.style.transform = "scaleX(" + share + ")";
  }

  function tick() {
    const left = Math.max(deadline - performance.now(), 0);
    const seconds = Math.ceil(left / 1000);
    part("[data-clock-number]").textContent = String(seconds);
    clock.dataset.urgent = seconds <= 5 ? "true" : "false";
    bar(limit ? Math.min(left / limit, 1) : 0);
    if (SAID_AT.includes(seconds) && !said.has(seconds)) {
      said.add(seconds);
      say(interpolate(ngettext("%(n)s second left", "%(n)s seconds left", seconds), { n: seconds }, true));
    }
    if (left <= 0) {
      clearInterval(timer);
      timer = null;
      say(gettext("Time is up."));
    }
  }

  function setClock(state) {
    if (!clock) return;
    clearInterval(timer);
    timer = null;
    said = new Set();
    for (const controls of document.querySelectorAll("[data-clock-controls]")) {
      controls.hidden = !(state && state.running);
    }
    if (!state || !state.running) {
      clock.hidden = true;
      return;
    }
    clock.hidden = false;
    limit = state.seconds * 1000;
    const untimed = state.remaining_ms === null;
    part("[data-clock-unit]").hidden = untimed;
    if (untimed) {
      part("[data-clock-number]").textContent = "∞";
      bar(1);
      return;
    }
    deadline = performance.now() + state.remaining_ms;
    tick();
    timer = setInterval(tick, 200);
    const result = document.querySelector("[data-score]");
    if (result) result.hidden = true; // a new question: the last one's result goes
  }

  // A whole number as the server writes it in the page's language (Django's intcomma: the
  // language's thousands separator, from the JavaScript catalog, every three digits).
  function number(value) {
    return String(value).replace(/\B(?=(\d{3})+(?!\d))/g, get_format("THOUSAND_SEPARATOR"));
  }

  function fill(selector, text) {
    for (const element of document.querySelectorAll(selector)) element.textContent = text;
  }

  function showScore(score) {
    fill("[data-points]", number(score.points));
    fill("[data-place]", number(score.place));
    fill("[data-of]", number(score.of));
    for (const line of document.querySelectorAll("[data-place-line]")) line.hidden = false;
    const result = document.querySelector("[data-score]");
    if (!result || score.question === null) return;
    result.dataset.right = String(score.right);
    result.querySelector("[data-verdict]").textContent = !score.answered ? gettext("No answer this time.")
      : score.right ? gettext("Right!") : gettext("Not this time.");
    const gained = result.querySelector("[data-gained]");
    gained.textContent = "+" + number(score.gained);
    gained.hidden = !score.right;
    // A wrong answer, or none, learns the right one.
    result.querySelector("[data-answer]").textContent = score.answer;
    result.querySelector("[data-answer-line]").hidden = score.right || !score.answer;
    result.hidden = false;
  }

  // The projector's lobby: the players as they join, each with a button to remove them.
  function showPlayers(message) {
    fill("[data-players-count]", String(message.count));
    fill("[data-players-unit]", ngettext("player", "players", message.count));
    const list = document.querySelector("[data-players]");
    const template = document.querySelector("[data-player-template]");
    if (!list || !template) return;
    const items = message.players.map(function (player) {
      const item = template.content.firstElementChild.cloneNode(true);
      item.querySelector("[data-nickname]").textContent = player.nickname;
      const form = item.querySelector("[data-remove-player]");
      form.setAttribute("action", form.getAttribute("action").replace("/players/0/", "/players/" + player.id + "/"));
      item.querySelector("[data-remove-label]").setAttribute("aria-label",
        interpolate(gettext("Remove %(nickname)s"), { nickname: player.nickname }, true));
      return item;
    });
    list.replaceChildren.apply(list, items);
  }

  document.addEventListener("live-message", function (event) {
    const message = event.detail;
    if (message.type === "event") setClock(message.clock);
    else if (message.type === "poll" && message.state !== "open") setClock(null); // time is up
    else if (message.type === "score") showScore(message);
    else if (message.type === "players") showPlayers(message);
    else if (message.type === "removed") location.reload(); // it asks for a new nickname
  });

  // A player's × (lobby, leaderboard) removes them only once the presenter confirms; it is
  // drawn only under the mouse or the keyboard's focus, out of the room's sight.
  document.addEventListener("submit", function (event) {
    const form = event.target.closest(".quiz-player-remove");
    if (!form) return;
    const nickname = form.closest("li").querySelector("[data-nickname]").textContent;
    const question = interpolate(gettext("Remove %(nickname)s? Their phone asks for a new nickname; their points are kept."),
      { nickname: nickname }, true);
    if (!window.confirm(question)) event.preventDefault();
  });

  if (initial) setClock(JSON.parse(initial.textContent));
})();
