// An open poll's results ([data-open-results]): the word cloud, the list of its terms and
// the newest answers. The server renders the lists; this draws the cloud from the list
// of terms, which then is for screen readers only (the cloud is hidden from them: its
// order is for the eye). live.js calls openResults.render(section, results) with each
// update, and openResults.clear(section) when the room may not see the counts.
//
// The largest term sits in the middle and the others around it, alternately before and
// after, each sized by the square root of its share of the largest count (an area reads
// as the count). Every text goes in as text, never as markup: strangers typed it.
(function () {
  "use strict";
  const TONES = 6; // colours in site.css: .cloud-term[data-tone="0"] to "5"

  function termsListed(section) {
    return Array.from(section.querySelectorAll("[data-terms] li")).map(function (item) {
      return { term: item.querySelector("[data-term]").textContent, count: Number(item.dataset.count) };
    });
  }

  function drawCloud(section, terms) {
    const cloud = section.querySelector("[data-cloud]");
    if (!cloud) return;
    const largest = terms.length ? terms[0].count : 1;
    const arranged = [];
    terms.forEach(function (term, i) {
      const word = document.createElement("span");
      word.className = "cloud-term";
      word.dir = "auto";
      word.dataset.tone = String(i % TONES);
      word.style.setProperty("--weight", Math.sqrt(term.count / largest).toFixed(3));
      word.textContent = term.term;
      if (i % 2) arranged.unshift(word); else arranged.push(word);
    });
    cloud.replaceChildren.apply(cloud, arranged);
    section.querySelector("[data-terms]").classList.add("visually-hidden");
  }

  function listItems(list, texts, fill) {
    list.replaceChildren.apply(list, texts.map(function (text) {
      const item = document.createElement("li");
      item.dir = "auto";
      fill(item, text);
      return item;
    }));
  }

  function render(section, results) {
    const terms = results.terms || [];
    listItems(section.querySelector("[data-terms]"), terms, function (item, term) {
      const word = document.createElement("span");
      word.dataset.term = "";
      word.textContent = term.term;
      item.dataset.count = String(term.count);
      item.append(word, ": " + term.count);
    });
    listItems(section.querySelector("[data-answers]"), results.answers || [], function (item, answer) {
      item.textContent = answer.text;
    });
    const empty = section.querySelector("[data-terms-empty]");
    if (empty) empty.hidden = terms.length > 0;
    drawCloud(section, terms);
  }

  function clear(section) {
    render(section, { terms: [], answers: [] });
  }

  window.openResults = { render: render, clear: clear };
  for (const section of document.querySelectorAll("[data-open-results]")) {
    drawCloud(section, termsListed(section));
  }
})();
