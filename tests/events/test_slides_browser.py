"""A lecture's PDF between its questions, in Chromium against real web processes: a
three-page deck made slides, a question placed between them; `next` steps slide,
question, slide on the projector (1280x720) and a phone (390x844); the speaker notes
show on the remote and nowhere else."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from playwright.sync_api import Browser, Page, expect

from events.models import Event, EventQuestion
from events.services import event_create
from polls.models import Poll
from polls.services import poll_create
from tests.support.browser import LIVE, PHONE, SCREENSHOTS, in_thread, sign_in
from tests.support.pdfs import pdf_of

NOTES = "Ask who has seen one under a microscope."


def _lecture(tmp_path) -> None:
    User.objects.create_superuser("teacher", "t@example.com", "a long pass phrase")
    two = [("a", "Nucleus"), ("b", "Mitochondrion")]
    question = poll_create(question="Which makes the energy?", options=two, slug="energy")
    event = event_create(title="Biology", polls=[question], slug="bio")
    deck = tmp_path / "lecture.pdf"
    deck.write_bytes(pdf_of(["Cells and energy", "The mitochondrion", "What we saw"]))
    call_command("loadslides", "bio", str(deck), "--at", "1")
    # The teacher puts the question after the deck's first page.
    order = ["Cells and energy", "Which makes the energy?", "The mitochondrion", "What we saw"]
    for position, title in enumerate(order, start=1):
        EventQuestion.objects.filter(event=event, poll__question=title).update(position=position)
    Poll.objects.filter(question="Cells and energy").update(notes=NOTES)
    assert [p.question for p in Event.objects.get().polls()] == order


def _on(projector: Page, phone: Page, title: str, *, slide: bool) -> None:
    expect(projector.locator("h1")).to_have_text(title, timeout=LIVE)
    expect(phone.locator("[data-event-question]:visible h1")).to_have_text(title, timeout=LIVE)
    look = phone.locator("[data-event-question]:visible .slide-look")
    expect(look).to_have_count(1 if slide else 0)
    if slide:
        expect(projector.locator(".present-figure img")).to_be_visible()
    expect(phone.locator("body")).not_to_contain_text(NOTES)
    expect(projector.locator("body")).not_to_contain_text(NOTES)


@pytest.mark.django_db(transaction=True)  # the web process must see the event
def test_a_deck_between_questions_steps_on_projector_and_phone_notes_on_the_remote(
    site_url, tmp_path, redis_db, chromium: Browser
):
    in_thread(lambda: _lecture(tmp_path))
    staff = chromium.new_context(viewport={"width": 1280, "height": 720})
    projector = staff.new_page()
    sign_in(projector, site_url, username="teacher", password="a long pass phrase",
            then="/events/bio/present/")  # fmt: skip
    expect(projector.locator("h1")).to_have_text("Join now")
    phone = chromium.new_context(**PHONE).new_page()
    phone.goto(f"{site_url}/events/bio/")
    expect(phone.locator("[data-status]")).to_have_text("Live")

    for title, slide in (("Cells and energy", True), ("Which makes the energy?", False),
                         ("The mitochondrion", True)):  # fmt: skip
        if projector.locator("[data-status]").count():  # a question's page: live before a move
            expect(projector.locator("[data-status]")).to_have_attribute(
                "data-state", "live", timeout=LIVE
            )
        projector.keyboard.press("ArrowRight")
        _on(projector, phone, title, slide=slide)
        progress = "Slide 1 of 4" if title == "Cells and energy" else None
        if progress:
            expect(projector.locator(".event-progress")).to_have_text(progress)
        if title == "Cells and energy":
            projector.screenshot(path=SCREENSHOTS / "slide-projector.png")
            remote = staff.new_page()
            remote.goto(f"{site_url}/events/bio/remote/")
            expect(remote.locator(".speaker-notes")).to_contain_text(NOTES)
            remote.close()
        if not slide:
            expect(phone.get_by_role("button", name="Mitochondrion")).to_be_visible()
