// A several-choices vote: a tick past the most a voter may choose is taken back, with a
// message (said to screen readers too), rather than refused by the server after the
// vote. Its words come from Django's JavaScript catalogue, which the page loads first.
(function () {
  "use strict";
  // Every several-choices form of the page (an event's page may have more than one).
  document.querySelectorAll(".vote-form[data-kind=multiple]").forEach(function (form) {
    const most = Number(form.dataset.most);
    const message = form.querySelector("[data-choice-limit]");

    form.addEventListener("change", function (event) {
      if (event.target.type !== "checkbox") return;
      const ticked = form.querySelectorAll("input[type=checkbox]:checked").length;
      if (event.target.checked && ticked > most) {
        event.target.checked = false;
        message.textContent = interpolate(
          ngettext("You can choose at most %(n)s option: untick one to choose another.",
            "You can choose at most %(n)s options: untick one to choose another.", most),
          { n: most }, true);
      } else {
        message.textContent = "";
      }
    });
  });
})();
