// Keeps a page live over its poll's WebSocket: the results (newest version wins),
// the poll's state (open or closed, results shown or hidden), and a word when the
// connection is lost, retried with backoff. One script for the vote page, the
// results page, the projector view and the remote; each marks what it has with
// data-attributes.
//
// An event's audience page ([data-event]) holds a section per question; its socket says
// which one the presenter shows (an "event" message), and the poll's state and results
// that follow are the shown section's. Moving on shows another section, with no
// request of the page's own.
//
// The projector ([data-projector]) is public: the room reads it. Its socket is the
// presenter's, which always has the counts, but they are on the page only while
// voters may see them, or while the presenter holds the peek key (present.js says so
// with a "peek" event); otherwise no number but the voters' count is in the page.
// Its words come from Django's JavaScript catalogue (gettext, ngettext, interpolate),
// which the page loads first, in the page's language.
//
// Screen readers hear it through one polite live region ([data-announce]): a change of
// connection once (not every retry of a reconnect), and the results at most once per
// ANNOUNCE_EVERY, the latest of them; the visible status line is not live.
(function () {
  "use strict";
  const root = document.querySelector("[data-live]");
  if (!root || !("WebSocket" in window)) return;

  const words = {
    live: gettext("Live"),
    connecting: gettext("Connecting…"),
    deaf: gettext("Not receiving updates right now: these numbers may be behind."),
    stale: gettext("Counting is paused: these numbers may be behind."),
    gone: gettext("This poll no longer exists."),
    signedOut: gettext("Stopped: you signed out, or may no longer present this. Reload the page to sign in again."),
  };
  const STATES = { open: gettext("open"), scheduled: gettext("not open yet"), closed: gettext("closed") };
  const status = root.querySelector("[data-status]");
  const announcer = root.querySelector("[data-announce]");
  const ANNOUNCE_EVERY = 5000; // ms between two announcements of the results
  const scheme = location.protocol === "https:" ? "wss://" : "ws://";
  const url = scheme + location.host + root.dataset.socket;
  const NO_SUCH_POLL = 4404;
  // A label as read aloud: a formula by its source (its MathML's alttext), not its glyphs.
  function spokenText(element) {
    const copy = element.cloneNode(true);
    for (const math of copy.querySelectorAll("math")) math.replaceWith(math.getAttribute("alttext") || math.textContent);
    return copy.textContent;
  }
  const FORBIDDEN = 4403;
  const TOO_MANY = 4429;
  const event = root.hasAttribute("data-event");
  // Where the results go: the page, or the event's shown question.
  let scope = (event && root.querySelector("[data-event-question]:not([hidden])")) || root;
  let version = Number(scope.dataset.version || -1);
  const projector = root.hasAttribute("data-projector");
  let open = root.dataset.public === "true"; // the projector: voters may see the counts
  let peeking = false; // the projector: the presenter holds the peek key
  let latest = null; // the projector: the newest results, shown once they may be
  let delay = 1000;
  let retryAfter = 0; // seconds, when the server has refused a socket
  let said = ""; // the connection's words last announced
  let resultsSaidAt = -Infinity;
  let resultsTimer = null;

  function all(selector) {
    return scope.querySelectorAll(selector);
  }

  function show(state, text, spoken) {
    if (status) {
      status.dataset.state = state;
      status.textContent = text;
    }
    if (spoken === undefined) spoken = text;
    if (spoken !== said) { // the same words are not said again
      said = spoken;
      if (announcer) announcer.textContent = spoken;
    }
  }

  function announceResults() {
    // The latest results, at most once per ANNOUNCE_EVERY; those in between are skipped.
    if (!announcer || resultsTimer) return;
    const wait = resultsSaidAt + ANNOUNCE_EVERY - Date.now();
    resultsTimer = setTimeout(function () {
      resultsTimer = null;
      resultsSaidAt = Date.now();
      const summary = resultsSummary();
      if (summary) announcer.textContent = summary;
    }, Math.max(wait, 0));
  }

  function resultsSummary() {
    if (scope.querySelector("[data-counts][hidden]")) return ""; // not shown: not said
    const voters = scope.querySelector("[data-voters]");
    const n = Number(voters ? voters.textContent : 0);
    const questions = scope.querySelector('[data-voters-unit][data-unit="questions"]');
    const parts = [questions
      ? interpolate(ngettext("%(n)s question", "%(n)s questions", n), { n: n }, true)
      : interpolate(ngettext("%(n)s voter", "%(n)s voters", n), { n: n }, true)];
    const top = Array.from(all('[data-qa-list="top"] .qa-item')).slice(0, 3);
    if (top.length) {
      parts.push(interpolate(gettext("Top questions: %(questions)s"), {
        questions: top.map(function (item) {
          return item.querySelector(".qa-text").textContent + " (" + item.querySelector("[data-upvotes]").textContent + ")";
        }).join("; "),
      }, true));
    }
    const average = scope.querySelector("[data-average]");
    if (average) parts.push(interpolate(gettext("Average: %(average)s"), { average: average.textContent }, true));
    const terms = Array.from(all("[data-terms] li")).slice(0, 5);
    if (terms.length) {
      parts.push(interpolate(gettext("Most given: %(terms)s"),
        { terms: terms.map(function (item) { return item.textContent; }).join(", ") }, true));
    }
    for (const row of all("[data-option]")) {
      const mark = row.querySelector("[data-correct]:not([hidden])"); // a right answer, once closed
      const option = spokenText(row.querySelector("[data-label]")) + (mark ? mark.textContent : "");
      const votes = row.querySelector("[data-votes]").textContent;
      const percent = row.querySelector("[data-percent]");
      const unit = row.querySelector("[data-unit]");
      if (percent) {
        parts.push(interpolate(gettext("%(option)s: %(votes)s (%(percent)s)"),
          { option: option, votes: votes, percent: percent.textContent }, true));
      } else if (unit) {
        parts.push(interpolate(ngettext("%(option)s: %(n)s point", "%(option)s: %(n)s points", Number(votes)),
          { option: option, n: votes }, true));
      } else {
        parts.push(option + ": " + votes);
      }
    }
    return parts.join(". ") + ".";
  }

  function renderResults(results) {
    if (!scope.querySelector("[data-option], [data-open-results], [data-qa]")) return; // no results here
    if (results.version < version) return; // older than what is shown
    version = results.version;
    for (const voters of all("[data-voters]")) voters.textContent = results.voters;
    for (const unit of all("[data-voters-unit]")) { // a Q&A counts its questions
      unit.textContent = unit.dataset.unit === "questions"
        ? ngettext("question", "questions", results.voters)
        : ngettext("voter", "voters", results.voters);
    }
    if (projector) {
      latest = results;
      if (!open && !peeking) return; // the room may not see them: kept, not shown
    }
    renderCounts(results);
    announceResults();
  }

  function renderCounts(results) {
    if (results.terms && window.openResults) {
      for (const section of all("[data-open-results]")) window.openResults.render(section, results);
    }
    if (results.questions && window.qaResults) {
      for (const section of all("[data-qa]")) window.qaResults.render(section, results);
    }
    for (const option of results.options) {
      const row = scope.querySelector('[data-option="' + CSS.escape(option.slug) + '"]');
      if (!row) { location.reload(); return; } // the options changed
      row.querySelector("[data-votes]").textContent = option.votes;
      const unit = row.querySelector("[data-unit]");
      if (unit) unit.textContent = ngettext("point", "points", option.votes);
      const percent = row.querySelector("[data-percent]");
      if (percent) percent.textContent = Number(option.percent).toLocaleString(document.documentElement.lang) + "%";
      row.querySelector("[data-bar]").style.setProperty("--share", option.percent + "%");
      row.querySelector("[data-meter]").setAttribute("aria-valuenow", option.percent);
      if (option.position) row.style.order = option.position; // a ranking, best first
      const correct = row.querySelector("[data-correct]");
      if (correct) correct.hidden = !option.correct; // sent once voting is closed
    }
    if ("average" in results) renderAverage(results.average);
    renderFingerprint(results.fingerprint || "");
  }

  // A closed poll's sealed log's fingerprint (tally/audit.py): its first eight hex
  // digits as the room reads them aloud, then the whole.
  function renderFingerprint(fingerprint) {
    for (const line of all("[data-fingerprint]")) {
      line.hidden = !fingerprint;
      const head = fingerprint.slice(0, 8).toUpperCase();
      line.querySelector("[data-fingerprint-short]").textContent = head.slice(0, 4) + "-" + head.slice(4);
      line.querySelector("[data-fingerprint-whole]").textContent = fingerprint;
    }
  }

  function clearCounts() {
    // The projector while the room may not see the counts: none left in the page.
    for (const row of all("[data-option]")) {
      row.querySelector("[data-votes]").textContent = "";
      const percent = row.querySelector("[data-percent]");
      if (percent) percent.textContent = "";
      const unit = row.querySelector("[data-unit]");
      if (unit) unit.textContent = "";
      row.querySelector("[data-bar]").style.setProperty("--share", "0%");
      row.querySelector("[data-meter]").setAttribute("aria-valuenow", "0");
      const correct = row.querySelector("[data-correct]");
      if (correct) correct.hidden = true;
    }
    renderAverage(null);
    if (window.openResults) {
      for (const section of all("[data-open-results]")) window.openResults.clear(section);
    }
    if (window.qaResults) {
      for (const section of all("[data-qa]")) window.qaResults.clear(section);
    }
  }

  function showCounts(shown) {
    for (const part of all("[data-counts]")) part.hidden = !shown;
    for (const part of all("[data-hidden-notice]")) part.hidden = shown;
    if (!projector) return;
    if (shown && latest) renderCounts(latest);
    else if (!shown) clearCounts();
  }

  root.addEventListener("peek", function (event) {
    peeking = event.detail;
    showCounts(open || peeking);
  });

  function renderAverage(average) {
    const shown = average === null ? "–" : average.toLocaleString(document.documentElement.lang,
      { minimumFractionDigits: 1, maximumFractionDigits: 1 });
    for (const text of all("[data-average]")) text.textContent = shown;
    for (const mark of all("[data-average-mark]")) {
      const low = Number(mark.dataset.low);
      const high = Number(mark.dataset.high);
      mark.hidden = average === null;
      mark.style.left = (100 * (average - low)) / (high - low) + "%";
    }
  }

  function renderState(state) {
    // Open, not open yet, or closed: the badges, the notices, and the vote buttons.
    scope.dataset.state = state;
    for (const badge of all("[data-state-badge]")) {
      badge.textContent = STATES[state];
      badge.className = "badge badge-" + state;
    }
    for (const part of all("[data-when-state]")) {
      const wanted = part.dataset.whenState.split(" ");
      part.hidden = !wanted.includes(state);
    }
    for (const button of all("[data-vote-button]")) button.disabled = state !== "open";
  }

  function renderPoll(poll) {
    if (scope.dataset.round && poll.round !== undefined && String(poll.round) !== scope.dataset.round) {
      location.reload(); // a new round: the voter's old vote no longer stands
      return;
    }
    renderState(poll.state);
    for (const badge of all("[data-round-badge]")) {
      badge.textContent = interpolate(gettext("round %(round)s"), { round: poll.round }, true);
      badge.hidden = poll.round < 2;
    }
    if (projector) open = poll.public;
    showCounts(projector ? open || peeking : poll.visible);
    if (poll.public !== undefined) {
      for (const part of all("[data-when-public]")) {
        part.hidden = part.dataset.whenPublic !== String(poll.public);
      }
    }
  }

  function renderEvent(state) {
    // Where the event stands: the lobby, a question (its section shown), or the end.
    root.dataset.stage = state.stage;
    for (const part of root.querySelectorAll("[data-stage-part]")) {
      part.hidden = part.dataset.stagePart !== state.stage;
    }
    let shown = null;
    for (const section of root.querySelectorAll("[data-event-question]")) {
      const current = state.stage === "question" && section.dataset.poll === state.poll;
      section.hidden = !current;
      if (current) shown = section;
    }
    if (state.stage === "question" && !shown) { location.reload(); return; } // a new question
    if (state.stage === "ended" && root.querySelector("[data-results-later]")) {
      // The end's results are drawn by the server: the thanks show now, the charts after a
      // reload, spread over a few seconds so that a full room does not ask all at once.
      setTimeout(function () { location.reload(); }, 500 + Math.random() * 2500);
    }
    if (scope !== root) scope.dataset.version = String(version);
    scope = shown || root;
    version = Number(scope.dataset.version || -1);
    if (shown && state.state) renderState(state.state); // the question, ready to answer
  }

  function connect() {
    show("connecting", words.connecting, said); // nothing to say until it is live, or not
    const socket = new WebSocket(url);
    socket.onopen = function () {
      delay = 1000;
      show("live", words.live);
    };
    socket.onmessage = function (event) {
      const message = JSON.parse(event.data);
      // For the page's other scripts (a quiz's clock and score: static/quiz.js).
      document.dispatchEvent(new CustomEvent("live-message", { detail: message }));
      if (message.type === "event") {
        renderEvent(message);
      } else if (message.type === "results") {
        renderResults(message);
        show("live", words.live);
      } else if (message.type === "poll") {
        renderPoll(message);
      } else if (message.type === "stale") {
        show("lost", words.stale);
      } else if (message.type === "deaf") {
        show("lost", words.deaf); // the server is not hearing updates: it says when it does
      } else if (message.type === "hearing") {
        show("live", words.live);
      } else if (message.type === "limited") {
        retryAfter = message.retry_after;
      }
    };
    socket.onclose = function (event) {
      if (event.code === NO_SUCH_POLL || event.code === FORBIDDEN) {
        // Only the projector's socket is forbidden: its presenter signed out, or is no
        // longer one of its hosts.
        show("lost", event.code === FORBIDDEN ? words.signedOut : words.gone);
        return;
      }
      // Too many sockets from this network: the server said when to try again.
      const told = event.code === TOO_MANY ? retryAfter * 1000 : 0;
      const wait = Math.max(told, Math.round(delay * (0.5 + Math.random() / 2)));
      const seconds = Math.ceil(wait / 1000);
      show("lost", interpolate(gettext("Connection lost: reconnecting in %(seconds)s s…"), { seconds: seconds }, true),
        gettext("Connection lost: reconnecting…")); // said once, not at every retry
      setTimeout(connect, wait);
      delay = Math.min(delay * 2, 30000);
    };
  }

  connect();
})();
