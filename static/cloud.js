// An open poll's results ([data-open-results]): the word cloud, the list of its terms and
// the newest answers. The server renders the lists; this draws the cloud from the list
// of terms, which then is for screen readers only (the cloud is hidden from them: its
// order is for the eye). live.js calls openResults.render(section, results) with each
// update, and openResults.clear(section) when the room may not see the counts.
//
// The largest term sits in the middle and the others around it, row by row (`layOut`),
// each sized by the square root of its share of the largest count (an area reads as
// the count); where the cloud's height is fixed (the projector), the sizes shrink until
// every term fits. Every text goes in as text, never as markup: strangers typed it.
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
    const words = terms.map(function (term, i) {
      const word = document.createElement("span");
      word.className = "cloud-term";
      word.dir = "auto";
      word.dataset.tone = String(i % TONES);
      word.style.setProperty("--weight", Math.sqrt(term.count / largest).toFixed(3));
      word.textContent = term.term;
      return word;
    });
    section.querySelector("[data-terms]").classList.add("visually-hidden");
    // A cloud of a fixed height (the projector's) that its terms overflow: the large ones
    // shrink first, then, if need be, all of them, a step at a time.
    cloud.style.setProperty("--fit-range", "1");
    cloud.style.setProperty("--fit-small", "1");
    layOut(cloud, words); // as a rule, the only pass: a phone's cloud grows to fit
    for (const [name, least] of [["--fit-range", 0], ["--fit-small", 0.7]]) {
      let scale = 1;
      while (scale > least + 0.01 && cloud.scrollHeight > cloud.clientHeight + 1) {
        scale = Math.max(least, scale - 0.1);
        cloud.style.setProperty(name, scale.toFixed(2));
        layOut(cloud, words);
      }
    }
  }

  function layOut(cloud, words) {
    // Rows, the largest term first: each term goes into the first row it fits, at the
    // row's left or right end in turn, so that the large ones sit in the middle; the
    // first row is the middle one, the next above it, the next below, and so on.
    cloud.replaceChildren.apply(cloud, words); // measured at their sizes, unwrapped
    const room = cloud.clientWidth;
    const gap = parseFloat(getComputedStyle(cloud).columnGap) || 0;
    const rows = [];
    for (const word of words) {
      const width = word.getBoundingClientRect().width;
      let row = rows.find(function (row) { return row.width + gap + width <= room; });
      if (!row) {
        row = { words: [], width: -gap, left: false };
        rows.push(row);
      }
      if (row.left) row.words.unshift(word); else row.words.push(word);
      row.left = !row.left;
      row.width += gap + width;
    }
    const stacked = [];
    rows.forEach(function (row, i) { if (i % 2) stacked.unshift(row); else stacked.push(row); });
    cloud.replaceChildren.apply(cloud, stacked.map(function (row) {
      const line = document.createElement("div");
      line.className = "cloud-row";
      line.append.apply(line, row.words);
      return line;
    }));
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
