// The admin's poll form shows each kind's fields only, as the kind is chosen: the
// options for the choice kinds, the scale and its labels for a rating, "at least" for
// several choices and "at most" for several choices and a ranking, the answers' length,
// number, moderation and profanity filter for open answers, and the same but the number
// for a Q&A's questions, and a slide's text, notes and "show on phones". Hidden fields keep
// their values; without JavaScript every field shows, and the server ignores what a
// kind does not use.
// The admin loads it in the page's head: it waits for the form.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  const kind = document.getElementById("id_kind");
  if (!kind) return;
  const SHOWN = {
    single: ["options"],
    multiple: ["options", "min_choices", "max_choices"],
    rating: ["scale_min", "scale_max", "scale_min_label", "scale_max_label"],
    ranking: ["options", "max_choices"],
    open: ["max_length", "answers_per_voter", "moderation", "masks_profanity"],
    questions: ["max_length", "moderation", "masks_profanity"],
    slide: ["body", "notes", "shown_on_phones"],
  };
  const parts = {
    options: document.getElementById("options-group"),
    min_choices: document.querySelector(".fieldBox.field-min_choices"),
    max_choices: document.querySelector(".fieldBox.field-max_choices"),
    scale_min: document.querySelector(".form-row.field-scale_min"),
    scale_min_label: document.querySelector(".form-row.field-scale_min_label"),
    max_length: document.querySelector(".form-row.field-max_length"),
    answers_per_voter: document.querySelector(".fieldBox.field-answers_per_voter"),
    moderation: document.querySelector(".form-row.field-moderation"),
    masks_profanity: document.querySelector(".form-row.field-masks_profanity"),
    body: document.querySelector(".form-row.field-body"),
    notes: document.querySelector(".form-row.field-notes"),
    shown_on_phones: document.querySelector(".form-row.field-shown_on_phones"),
  };
  const choicesRow = document.querySelector(".form-row.field-min_choices");

  function show() {
    const wanted = SHOWN[kind.value] || [];
    for (const [name, part] of Object.entries(parts)) {
      if (part) part.style.display = wanted.includes(name) ? "" : "none";
    }
    if (choicesRow) choicesRow.style.display = wanted.includes("max_choices") ? "" : "none";
  }

  kind.addEventListener("change", show);
  show();
});
