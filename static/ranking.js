// A ranking without selects: tap the options in order, move them up or down, or
// take one out, by touch or keyboard. The page's selects stay the form's fields
// (hidden), so what is posted is what works without JavaScript. Each ranked option
// shows its place; the Vote button waits until every place is filled, and says how
// many are left. Its words come from Django's JavaScript catalogue, which the page
// loads first.
(function () {
  "use strict";
  // Every ranking of the page (an event's page has one per question of the kind).
  document.querySelectorAll("[data-ranking]").forEach(setUp);

  function setUp(fieldset, index) {
    const selects = Array.from(fieldset.querySelectorAll("select"));
    const labels = new Map(
      Array.from(selects[0].options).filter((o) => o.value).map((o) => [o.value, o.textContent.trim()])
    );
    let order = selects.map((select) => select.value).filter(Boolean);

    const ranked = document.createElement("ol");
    ranked.className = "ranked";
    const pool = document.createElement("div");
    pool.className = "unranked";
    const status = document.createElement("p");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    const left = document.createElement("p");
    left.className = "more";
    left.id = "ranking-left-" + index;
    left.dataset.rankingLeft = "";
    fieldset.querySelector(".ranks").hidden = true;
    fieldset.append(ranked, pool, status, left);
    const form = fieldset.closest("form");
    const cast = form.querySelector(".cast");
    cast.setAttribute("aria-describedby", left.id);
    form.addEventListener("submit", function (event) {
      if (order.length >= selects.length) return;
      event.preventDefault(); // not all ranked: the server would refuse it
      status.textContent = left.textContent;
      (pool.querySelector("button:not([disabled])") || fieldset).focus();
    });

    function button(text, label, onClick) {
      const element = document.createElement("button");
      element.type = "button";
      element.textContent = text;
      if (label) element.setAttribute("aria-label", label);
      element.disabled = selects[0].disabled;
      element.addEventListener("click", onClick);
      return element;
    }

    function named(template, option, place) {
      return interpolate(template, { option: option, place: place }, true);
    }

    function say(template, slug, place) {
      status.textContent = named(template, labels.get(slug), place);
    }

    function render(focusSlug, focusRole) {
      selects.forEach((select, index) => { select.value = order[index] || ""; });
      ranked.replaceChildren();
      order.forEach((slug, index) => {
        const item = document.createElement("li");
        item.className = "ranked-item";
        const place = document.createElement("span");
        place.className = "ranked-place";
        place.textContent = String(index + 1);
        const name = document.createElement("span");
        name.className = "ranked-name";
        name.dir = "auto";
        name.textContent = labels.get(slug);
        const label = labels.get(slug);
        const up = button("↑", named(gettext("Move %(option)s up"), label), () => move(index, -1));
        const down = button("↓", named(gettext("Move %(option)s down"), label), () => move(index, 1));
        const out = button("✕", named(gettext("Take %(option)s out of the ranking"), label), () => remove(index));
        up.dataset.role = "up"; down.dataset.role = "down"; out.dataset.role = "remove";
        if (index === 0) up.disabled = true;
        if (index === order.length - 1) down.disabled = true;
        item.append(place, name, up, down, out);
        item.dataset.slug = slug;
        ranked.append(item);
      });
      pool.replaceChildren();
      const full = order.length >= selects.length;
      const missing = selects.length - order.length;
      left.textContent = full ? "" : interpolate(ngettext(
        "Rank %(n)s more option to vote.", "Rank %(n)s more options to vote.", missing), { n: missing }, true);
      cast.setAttribute("aria-disabled", String(!full));
      for (const [slug, label] of labels) {
        if (order.includes(slug)) continue;
        const add = button(label, named(gettext("Rank %(option)s next"), label), () => add_(slug));
        add.className = "option";
        add.dir = "auto";
        add.dataset.slug = slug;
        add.disabled = add.disabled || full;
        pool.append(add);
      }
      if (focusSlug) {
        const target = ranked.querySelector('[data-slug="' + CSS.escape(focusSlug) + '"] [data-role="' + focusRole + '"]');
        const fallback = pool.querySelector("button:not([disabled])") || ranked.querySelector("button:not([disabled])");
        (target && !target.disabled ? target : fallback || fieldset).focus();
      }
    }

    function add_(slug) {
      order.push(slug);
      say(gettext("%(option)s is in place %(place)s."), slug, order.length);
      render();
      const next = pool.querySelector("button:not([disabled])");
      (next || ranked.querySelector("li:last-child [data-role=up]") || fieldset).focus();
    }

    function move(index, step) {
      const slug = order[index];
      order.splice(index, 1);
      order.splice(index + step, 0, slug);
      say(gettext("%(option)s moved to place %(place)s."), slug, index + step + 1);
      render(slug, step < 0 ? "up" : "down");
    }

    function remove(index) {
      const slug = order[index];
      order.splice(index, 1);
      say(gettext("%(option)s is no longer ranked."), slug, "");
      render(order[Math.min(index, order.length - 1)], "remove");
    }

    render();
  }
})();
