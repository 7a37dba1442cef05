// A Q&A's questions ([data-qa]): live, and easier to use.
//
// - live.js hands each results update to qaResults.render(section, results), which
//   draws the lists as polls/_questions.html does: the one being answered, the top
//   questions, the newest, the answered. Every text goes in as text, never as markup.
// - Top or newest: two buttons show one list at a time (without this script, both show).
// - On the vote page ([data-voting]) an upvote button sends its upvote (or takes it back)
//   without leaving the page, and shows it at once; without this script it is the
//   form's submit button, and the page comes back with it.
(function () {
  "use strict";

  function mineOf(section) {
    if (!section.mine) section.mine = new Set(JSON.parse(section.dataset.mine || "[]"));
    return section.mine;
  }

  function badge(text, open) {
    const mark = document.createElement("span");
    mark.className = open ? "badge badge-open" : "badge";
    mark.textContent = text;
    return mark;
  }

  function item(question, voting, mine, enabled) {
    const entry = document.createElement("li");
    entry.className = "qa-item" + (question.state === "answering" ? " answering" : "") +
      (question.pinned ? " pinned" : "");
    entry.dataset.question = String(question.id);
    const text = document.createElement("p");
    text.className = "qa-text";
    text.dir = "auto";
    text.textContent = question.text;
    const meta = document.createElement("p");
    meta.className = "qa-meta";
    if (question.pinned) meta.append(badge(gettext("pinned")), " ");
    if (question.state === "answering") meta.append(badge(gettext("being answered"), true), " ");
    const name = document.createElement("span");
    name.dir = "auto";
    name.textContent = question.name || gettext("Anonymous");
    meta.append(name);
    entry.append(text, meta);
    if (voting) {
      entry.append(upvoteButton(question, mine.has(question.id), enabled));
    } else {
      const count = document.createElement("p");
      count.className = "qa-upvotes";
      const n = document.createElement("span");
      n.dataset.upvotes = "";
      n.textContent = String(question.upvotes);
      count.append(n, " " + ngettext("upvote", "upvotes", question.upvotes));
      entry.append(count);
    }
    return entry;
  }

  function upvoteButton(question, pressed, enabled) {
    const button = document.createElement("button");
    button.type = "submit";
    button.formNoValidate = true;
    button.className = "upvote";
    button.name = pressed ? "unvote" : "upvote";
    button.value = String(question.id);
    button.disabled = !enabled;
    button.dataset.voteButton = "";
    button.setAttribute("aria-pressed", String(pressed));
    const arrow = document.createElement("span");
    arrow.setAttribute("aria-hidden", "true");
    arrow.textContent = "▲";
    const label = document.createElement("span");
    label.className = "visually-hidden";
    label.textContent = gettext("Upvote") + ":";
    const count = document.createElement("span");
    count.dataset.upvotes = "";
    count.textContent = String(question.upvotes);
    button.append(arrow, " ", label, " ", count);
    return button;
  }

  function fill(section, list, questions, voting) {
    const items = section.querySelector('[data-qa-list="' + list + '"] [data-qa-items]');
    if (!items) return;
    const mine = voting ? mineOf(section) : null;
    const open = !section.closest("[data-state]") || section.closest("[data-state]").dataset.state === "open";
    items.replaceChildren.apply(items, (questions || []).map(function (question) {
      return item(question, voting && list !== "answered", mine, open);
    }));
  }

  function render(section, results) {
    const voting = section.hasAttribute("data-voting");
    fill(section, "top", results.questions, voting);
    fill(section, "newest", results.newest, voting);
    fill(section, "answered", results.answered, voting);
    const empty = section.querySelector("[data-qa-empty]");
    if (empty) empty.hidden = (results.questions || []).length > 0;
    const count = section.querySelector("[data-qa-count]");
    if (count) count.textContent = String((results.answered || []).length);
    const answering = section.querySelector("[data-qa-answering]");
    if (answering) {
      answering.hidden = !results.answering;
      section.querySelector("[data-qa-answering-text]").textContent =
        results.answering ? results.answering.text : "";
    }
  }

  function clear(section) {
    render(section, { questions: [], newest: [], answered: [], answering: null });
  }

  function tabs(section) {
    const buttons = section.querySelectorAll("[data-qa-tab]");
    if (!buttons.length) return;
    function choose(which) {
      for (const button of buttons) button.setAttribute("aria-pressed", String(button.dataset.qaTab === which));
      for (const list of section.querySelectorAll('[data-qa-list="top"], [data-qa-list="newest"]')) {
        list.hidden = list.dataset.qaList !== which;
      }
    }
    for (const button of buttons) {
      button.addEventListener("click", function () { choose(button.dataset.qaTab); });
    }
    section.querySelector("[data-qa-tabs]").hidden = false;
    choose("top");
  }

  async function upvote(section, button) {
    // Sent as the form would send it, without the text typed meanwhile; the 303 is not
    // followed (no page to draw): the button shows the change at once, the next update
    // the count everyone sees.
    const form = button.form;
    const data = new FormData();
    data.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
    data.append(button.name, button.value);
    const up = button.name === "upvote";
    let answer;
    try {
      answer = await fetch(form.action || location.href, { method: "POST", body: data, redirect: "manual" });
    } catch (error) {
      form.requestSubmit(button); // offline for a moment: the page says what happened
      return;
    }
    if (answer.type !== "opaqueredirect" && !answer.redirected && answer.status !== 303) {
      form.requestSubmit(button); // refused (a limit, the poll closed): the page says why
      return;
    }
    const question = Number(button.value);
    const mine = mineOf(section);
    if (up) mine.add(question); else mine.delete(question);
    for (const same of section.querySelectorAll('.upvote[value="' + question + '"]')) {
      same.name = up ? "unvote" : "upvote";
      same.setAttribute("aria-pressed", String(up));
      const count = same.querySelector("[data-upvotes]");
      count.textContent = String(Math.max(0, Number(count.textContent) + (up ? 1 : -1)));
    }
  }

  window.qaResults = { render: render, clear: clear };
  for (const section of document.querySelectorAll("[data-qa]")) {
    tabs(section);
    if (!section.hasAttribute("data-voting")) continue;
    section.addEventListener("click", function (event) {
      const button = event.target.closest("button.upvote");
      if (!button || button.disabled) return;
      event.preventDefault();
      upvote(section, button);
    });
  }
})();
