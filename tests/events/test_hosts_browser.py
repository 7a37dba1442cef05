"""Two presenters on one server, in Chromium against real web processes: Ana builds an
event in the admin; Bo neither sees nor reaches it until Ana makes him its moderator;
then he presents it, moves it on and hides an answer, but cannot edit it; once Ana
removes him, his open projector stops at once."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from events.models import Event
from events.presenters import presenter_make
from polls.models import Answer, ControlRecord, Poll
from polls.stream import Cast
from tally.ingest import casts_apply
from tests.support.browser import LIVE, add_event, add_poll, in_thread, sign_in

PASSWORD = "a long pass phrase"
POST = """async ([path, body]) => {
    const token = document.querySelector("[name=csrfmiddlewaretoken]").value;
    const answer = await fetch(path, {method: "POST", body: new URLSearchParams(body),
                                      headers: {"X-CSRFToken": token}, redirect: "manual"});
    return answer.status;
}"""


@pytest.fixture
def presenters(db) -> None:
    presenter_make(username="ana", email="ana@school.example", password=PASSWORD)
    presenter_make(username="bo", email="bo@school.example", password=PASSWORD)


def _posted(page: Page, path: str, body: dict[str, str]) -> int:
    """A form's POST from this page, with its CSRF token, as its own script would send it."""
    return page.evaluate(POST, [path, body])


def _save(admin: Page) -> None:
    admin.click("input[name=_save]")
    expect(admin.locator(".messagelist")).to_contain_text("was changed successfully")


@pytest.mark.django_db(transaction=True)  # the web process must see the people and the event
def test_a_moderator_runs_anothers_event_until_removed(site_url, presenters, chromium: Browser):
    ana = chromium.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(ana, site_url, username="ana", password=PASSWORD, then="/admin/")
    add_poll(ana, site_url, "Which colour?", "single", ["Red", "Blue"])
    add_poll(ana, site_url, "One word?", "open", [])
    add_poll(ana, site_url, "How was it?", "rating", [])
    add_event(ana, site_url, "Week 3", ["Which colour?", "One word?", "How was it?"])
    event = in_thread(lambda: Event.objects.get())
    change = f"{site_url}/admin/events/event/{event.pk}/change/"

    # Bo: not on his home, not in his admin, and refused its page and its controls.
    bo_context = chromium.new_context(viewport={"width": 1280, "height": 900})
    bo = bo_context.new_page()
    sign_in(bo, site_url, username="bo", password=PASSWORD, then="/host/")
    expect(bo.get_by_role("heading", name="Your events and polls")).to_be_visible()
    expect(bo.locator("main")).not_to_contain_text("Week 3")
    assert _posted(bo, "/events/week-3/control/", {"action": "next"}) == 403
    bo.goto(f"{site_url}/admin/events/event/")
    expect(bo.locator("#content")).not_to_contain_text("Week 3")
    bo.goto(change)
    expect(bo).to_have_url(f"{site_url}/admin/")
    expect(bo.locator(".messagelist")).to_contain_text("doesn\u2019t exist")

    # Ana makes him its moderator, by his e-mail address.
    ana.goto(change)
    ana.locator("#hosts-group .add-row a").click()
    ana.fill("#id_hosts-0-person", "bo@school.example")
    ana.select_option("#id_hosts-0-role", "moderator")
    _save(ana)

    # Bo presents it: his home lists it; his projector moves on; he hides an answer.
    bo.goto(f"{site_url}/host/")
    expect(bo.locator(".host-item", has_text="Week 3")).to_contain_text("moderator")
    projector = bo_context.new_page()
    projector.goto(f"{site_url}/events/week-3/present/")
    expect(projector.locator("h1")).to_have_text("Join now")
    projector.keyboard.press("ArrowRight")
    expect(projector.locator("h1")).to_have_text("Which colour?")
    expect(projector.locator("[data-status]")).to_have_attribute("data-state", "live")
    projector.keyboard.press("ArrowRight")
    expect(projector.locator("h1")).to_have_text("One word?")
    expect(projector.locator("[data-status]")).to_have_attribute("data-state", "live")
    word = in_thread(lambda: Poll.objects.get(question="One word?"))
    in_thread(lambda: casts_apply([Cast("1-0", word.pk, 1, (), "v0", timezone.now(), ("Nap",))]))
    remote = bo_context.new_page()
    remote.goto(f"{site_url}/events/week-3/remote/")
    remote.locator(".moderation-hide").first.click()
    expect(remote.locator("#moderation")).to_be_visible()
    assert in_thread(lambda: Answer.objects.get().state) == Answer.State.HIDDEN

    # His edit is refused: the page is read only, and a forged save is 403.
    bo.goto(change)
    expect(bo.locator("input[name=_save]")).to_have_count(0)
    assert _posted(bo, change, {"title": "Bo's now"}) == 403
    assert in_thread(lambda: Event.objects.get().title) == "Week 3"
    kept = in_thread(lambda: [(r.user.username, r.action) for r in ControlRecord.objects.all()])
    assert ("bo", "next") in kept and ("bo", "answer-hide") in kept

    # Ana removes him: his open projector stops, and hears no more moves.
    ana.goto(change)
    ana.check("#id_hosts-0-DELETE")
    _save(ana)
    expect(projector.locator("[data-status]")).to_have_attribute("data-state", "lost", timeout=LIVE)
    expect(projector.locator("[data-status]")).to_contain_text("may no longer present this")
    own = ana.context.new_page()
    own.goto(f"{site_url}/events/week-3/present/")
    own.keyboard.press("ArrowRight")
    expect(own.locator("h1")).to_have_text("How was it?")
    projector.wait_for_timeout(1000)  # time enough to have heard of it, were it still hearing
    expect(projector.locator("h1")).to_have_text("One word?")
    assert _posted(bo, "/events/week-3/control/", {"action": "previous"}) == 403
