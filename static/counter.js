// An open answer's or a question's length, shown as one types, against the poll's longest
// (data-longest): past it the field says so and the form is not sent, rather than the
// browser cutting a pasted text mid-word (maxlength would) or the server refusing it
// after the tap. Characters are counted as the server counts them (code points).
(function () {
  "use strict";
  document.querySelectorAll("[data-longest]").forEach(function (field) {
    const most = Number(field.dataset.longest);
    const counter = document.createElement("p");
    counter.className = "counter";
    counter.id = field.id + "-count";
    field.after(counter);
    const described = field.getAttribute("aria-describedby");
    field.setAttribute("aria-describedby", (described ? described + " " : "") + counter.id);

    function update() {
      const typed = Array.from(field.value).length;
      const over = typed - most;
      counter.textContent = interpolate(gettext("%(n)s of %(most)s characters"), { n: typed, most: most }, true);
      counter.dataset.over = String(over > 0);
      field.setCustomValidity(over > 0 ? interpolate(ngettext(
        "%(n)s character too many: shorten it.", "%(n)s characters too many: shorten it.", over),
      { n: over }, true) : "");
    }
    field.addEventListener("input", update);
    update();
  });
})();
